using EEArtifacts.Build;
using EmbeddedEnsembles.Runtime;
using TorchSharp;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Runtime;

public class TorchLoadingTests
{
    private static string OutputLibTorchSharp =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static string PackageLibTorchSharp
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    [Fact]
    public void TorchLoadsAndComputesAKnownMatrixProduct()
    {
        RuntimeInfo info = TorchRuntime.Initialize(DeviceChoice.Cpu, threads: 1);
        using var a = torch.tensor(new double[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var b = torch.tensor(new double[] { 5, 6, 7, 8 }, new long[] { 2, 2 });
        using var c = a.matmul(b);
        Assert.Equal(new double[] { 19, 22, 43, 50 }, c.data<double>().ToArray());
        Assert.Equal("cpu", info.DeviceName);
        Assert.Equal(1, info.Threads);
    }

    [Fact]
    public void CudaRequestedWithoutCudaFailsWithOneClearLine()
    {
        if (torch.cuda.is_available())
        {
            return; // a GPU machine satisfies the request; nothing to check here
        }
        var e = Assert.Throws<InvalidOperationException>(() => TorchRuntime.Initialize(DeviceChoice.Cuda));
        Assert.Contains("CUDA is not available", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("auto", DeviceChoice.Auto)]
    [InlineData("CPU", DeviceChoice.Cpu)]
    [InlineData("cuda", DeviceChoice.Cuda)]
    public void DeviceNamesParse(string text, DeviceChoice expected) => Assert.Equal(expected, TorchRuntime.ParseDevice(text));

    [Fact]
    public void UnknownDeviceIsRejected() => Assert.Throws<ArgumentException>(() => TorchRuntime.ParseDevice("tpu"));

    [Fact]
    public void SameSeedGivesSameRandomNumbers()
    {
        TorchRuntime.EnsureLoaded();
        using var g1 = TorchRuntime.Generator(42);
        using var g2 = TorchRuntime.Generator(42);
        using var x = torch.randn(new long[] { 5 }, generator: g1);
        using var y = torch.randn(new long[] { 5 }, generator: g2);
        Assert.Equal(x.data<float>().ToArray(), y.data<float>().ToArray());
    }

    [Fact]
    public void WeakeningTouchesOnlyTheFlagsOfTheOneVersionEntry()
    {
        byte[] original = File.ReadAllBytes(PackageLibTorchSharp);
        Assert.True(GlibcxxRequirement.RequiresStrictly(original));
        byte[] patched = (byte[])original.Clone();

        Assert.Equal(WeakenOutcome.Weakened, GlibcxxRequirement.Weaken(patched));

        int[] changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Single(changed); // the low byte of vna_flags gains VER_FLG_WEAK (0x2)
        Assert.Equal(original[changed[0]] | 0x2, patched[changed[0]]);
        Assert.False(GlibcxxRequirement.RequiresStrictly(patched));
    }

    [Fact]
    public void WeakeningIsIdempotent()
    {
        byte[] once = File.ReadAllBytes(PackageLibTorchSharp);
        GlibcxxRequirement.Weaken(once);
        byte[] twice = (byte[])once.Clone();
        Assert.Equal(WeakenOutcome.AlreadyWeak, GlibcxxRequirement.Weaken(twice));
        Assert.Equal(once, twice);
    }

    [Fact]
    public void ALibraryThatNeedsNoFixStaysByteIdentical()
    {
        // libc10.so needs no GLIBCXX_3.4.32: the fix must leave it untouched.
        string libc10 = Path.Combine(Path.GetDirectoryName(OutputLibTorchSharp)!, "libc10.so");
        byte[] original = File.ReadAllBytes(libc10);
        byte[] copy = (byte[])original.Clone();
        Assert.Equal(WeakenOutcome.NotRequired, GlibcxxRequirement.Weaken(copy));
        Assert.Equal(original, copy);
    }

    [Fact]
    public void RefusesWhenAnotherSymbolIsBoundToTheVersion()
    {
        // Rename the anchor symbol in .dynstr: to the fix it is now an unknown symbol that may really need 3.4.32.
        byte[] elf = File.ReadAllBytes(PackageLibTorchSharp);
        byte[] anchor = System.Text.Encoding.ASCII.GetBytes("_ZSt21ios_base_library_initv\0");
        int at = elf.AsSpan().IndexOf(anchor);
        Assert.True(at > 0);
        elf[at + 5] = (byte)'X';
        byte[] before = (byte[])elf.Clone();

        var e = Assert.Throws<InvalidDataException>(() => GlibcxxRequirement.Weaken(elf));
        Assert.Contains("refusing", e.Message);
        Assert.Equal(before, elf);
    }

    [Fact]
    public void RefusesFilesThatAreNotElf()
    {
        Assert.Throws<InvalidDataException>(() => GlibcxxRequirement.Weaken(new byte[128]));
    }

    [Fact]
    public void TheNuGetCacheCopyIsNeverPatched()
    {
        Assert.True(GlibcxxRequirement.RequiresStrictly(File.ReadAllBytes(PackageLibTorchSharp)));
    }

    [Fact]
    public void TheBuildOutputLoadsOnThisHost()
    {
        // On hosts without GLIBCXX_3.4.32 the build must have weakened the output copy; elsewhere it leaves it alone.
        bool strict = GlibcxxRequirement.RequiresStrictly(File.ReadAllBytes(OutputLibTorchSharp));
        Assert.Equal(GlibcxxRequirement.HostProvides(), strict);
    }
}
