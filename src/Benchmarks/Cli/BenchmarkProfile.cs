namespace EEArtifacts.Benchmarks.Cli;

/// <summary>
/// A benchmark profile: the grid the suites sweep and how long BenchmarkDotNet measures each case.
/// quick is sized to finish in a few minutes on two cores; paper uses BenchmarkDotNet's default job.
/// </summary>
/// <param name="Name">quick or paper.</param>
/// <param name="Widths">Hidden widths N of the ensemble suites.</param>
/// <param name="Members">Ensemble sizes M of the ensemble suites.</param>
/// <param name="GemmSizes">Square float32 GEMM sizes of the roofline suite.</param>
/// <param name="KernelPoints">Numbers of input points n of the kernel suite.</param>
/// <param name="KernelWidths">Widths of the networks whose empirical kernels the kernel suite computes.</param>
/// <param name="ShortJobs">True: 1 launch, 2 warmups, 5 iterations of about 100 ms; false: BenchmarkDotNet's default job.</param>
/// <param name="BreakdownRounds">Interleaved rounds of the stopwatch step breakdown per case.</param>
/// <param name="PeerRounds">Interleaved rounds of this project's step against the PyTorch peer's per shape.</param>
public sealed record BenchmarkProfile(
    string Name,
    IReadOnlyList<int> Widths,
    IReadOnlyList<int> Members,
    IReadOnlyList<int> GemmSizes,
    IReadOnlyList<int> KernelPoints,
    IReadOnlyList<int> KernelWidths,
    bool ShortJobs,
    int BreakdownRounds,
    int PeerRounds)
{
    /// <summary>A few minutes on two cores: widths 64, 256, 1024 and M 4, 16.</summary>
    public static BenchmarkProfile Quick { get; } = new(
        "quick",
        Widths: [64, 256, 1024],
        Members: [4, 16],
        GemmSizes: [256, 512, 1024],
        KernelPoints: [16, 64],
        KernelWidths: [256],
        ShortJobs: true,
        BreakdownRounds: 7,
        PeerRounds: 11);

    /// <summary>The full grid with BenchmarkDotNet's default job (hours on a small machine).</summary>
    public static BenchmarkProfile Paper { get; } = new(
        "paper",
        Widths: [64, 128, 256, 512, 1024, 2048],
        Members: [2, 4, 8, 16, 32],
        GemmSizes: [128, 256, 512, 1024, 2048],
        KernelPoints: [16, 64, 256],
        KernelWidths: [256, 1024],
        ShortJobs: false,
        BreakdownRounds: 20,
        PeerRounds: 21);

    /// <summary>Every profile.</summary>
    public static IReadOnlyList<BenchmarkProfile> All { get; } = [Quick, Paper];

    /// <summary>The profile called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static BenchmarkProfile? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));
}
