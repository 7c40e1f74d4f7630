using EmbeddedEnsembles.Runtime;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Runtime;

public class MallocPolicyTests
{
    [Fact]
    public void LoadingTorchSetsMallocsThresholdsUnlessTheCallerSetsMallocTunables()
    {
        TorchRuntime.EnsureLoaded();
        string? tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES");
        string expected = tunables is not null && tunables.Contains("glibc.malloc.", StringComparison.Ordinal)
            ? $"caller: GLIBC_TUNABLES={tunables}"
            : OperatingSystem.IsLinux() ? "mmap 33554432, trim 536870912" : "default (not glibc)";
        Assert.Equal(expected, MallocPolicy.Applied);
        Assert.Equal(expected, MallocPolicy.EnsureSet()); // once per process
    }
}
