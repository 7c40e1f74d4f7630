using TorchSharp;

namespace EEArtifacts.Benchmarks.Suites;

/// <summary>
/// Records torch's intra-op thread count as seen from inside the benchmark cases (BenchmarkDotNet's in-process
/// toolchain runs them on its own thread), so the run record shows the setting really reached the measurements.
/// </summary>
public static class ThreadCheck
{
    /// <summary>The distinct thread counts seen in the cases' setups; null when no case ran.</summary>
    public static IReadOnlyList<int>? Observed { get; private set; }

    /// <summary>Records the current thread's view of torch's thread count.</summary>
    public static void Record()
    {
        int n = torch.get_num_threads();
        if (Observed is null || !Observed.Contains(n))
        {
            Observed = [.. Observed ?? [], n];
        }
    }
}
