using EEArtifacts.Benchmarks.Cli;

namespace EEArtifacts.Benchmarks.Workloads;

/// <summary>
/// The grid the suites' [ParamsSource] members read. The program sets <see cref="Current"/> once, before
/// BenchmarkDotNet builds its cases; the in-process toolchain runs the cases in this process, so they see it.
/// </summary>
public static class BenchmarkGrid
{
    /// <summary>The active profile (quick until the program says otherwise).</summary>
    public static BenchmarkProfile Current { get; set; } = BenchmarkProfile.Quick;

    /// <summary>Hidden widths of the ensemble suites.</summary>
    public static IEnumerable<int> Widths => Current.Widths;

    /// <summary>Ensemble sizes of the ensemble suites.</summary>
    public static IEnumerable<int> Members => Current.Members;

    /// <summary>GEMM sizes of the roofline suite.</summary>
    public static IEnumerable<int> GemmSizes => Current.GemmSizes;

    /// <summary>Numbers of points of the kernel suite.</summary>
    public static IEnumerable<int> KernelPoints => Current.KernelPoints;

    /// <summary>Network widths of the kernel suite.</summary>
    public static IEnumerable<int> KernelWidths => Current.KernelWidths;
}
