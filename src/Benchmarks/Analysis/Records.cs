using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Analysis;

/// <summary>The ensemble suites' names in results files.</summary>
public static class SuiteNames
{
    /// <summary>Forward, backward and SGD update.</summary>
    public const string TrainingStep = "training";
    /// <summary>Forward pass without autograd.</summary>
    public const string Inference = "inference";
}

/// <summary>One measured ensemble case, as plain numbers (what the post-processing needs from a BenchmarkDotNet report).</summary>
/// <param name="Suite"><see cref="SuiteNames.TrainingStep"/> or <see cref="SuiteNames.Inference"/>.</param>
/// <param name="Kind">The configuration.</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="Batch">Rows per member B.</param>
/// <param name="MeanNs">Mean time of one operation over the iterations, nanoseconds.</param>
/// <param name="StdErrNs">Standard error of the mean, nanoseconds.</param>
/// <param name="MedianNs">Median over the iterations, nanoseconds: what the post-processing uses (see <see cref="Roofline"/>).</param>
/// <param name="MinNs">Fastest iteration, nanoseconds.</param>
public sealed record StepTiming(string Suite, WorkloadKind Kind, int Width, int Members, int Batch, double MeanNs, double StdErrNs, double MedianNs, double MinNs)
{
    /// <summary>A timing whose iterations all took <paramref name="ns"/> (tests, fabricated summaries).</summary>
    public static StepTiming Exact(string suite, WorkloadKind kind, int width, int members, int batch, double ns) =>
        new(suite, kind, width, members, batch, ns, 0, ns, ns);
}

/// <summary>One measured n x n float32 GEMM.</summary>
/// <param name="Size">n.</param>
/// <param name="MedianNs">Median time of one product over the iterations, nanoseconds.</param>
/// <param name="StdErrNs">Standard error of the mean, nanoseconds.</param>
/// <param name="When">"before" (first suite of the run) or "after" (last suite): the ceiling is the best of both.</param>
public sealed record GemmTiming(int Size, double MedianNs, double StdErrNs, string When = "before")
{
    /// <summary>Achieved GFLOP/s (2 n^3 / median time).</summary>
    public double Gflops => FlopCount.Gemm(Size) / MedianNs;
}

/// <summary>A configuration's achieved GEMM-FLOP rate against the best measured GEMM rate.</summary>
/// <param name="Suite">training or inference.</param>
/// <param name="Kind">The configuration.</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="Batch">Rows per member B.</param>
/// <param name="Flops">Analytic GEMM FLOPs of one operation (<see cref="FlopCount"/>).</param>
/// <param name="MedianNs">Measured median time, nanoseconds (the basis of every derived column).</param>
/// <param name="MeanNs">Measured mean time, nanoseconds (BenchmarkDotNet's Mean; its Ratio column divides means).</param>
/// <param name="StdErrNs">Standard error of the mean, nanoseconds.</param>
/// <param name="AchievedGflops">Flops / MedianNs.</param>
/// <param name="PeakGflops">The best measured GEMM rate of the same run.</param>
/// <param name="PeakGemmSize">The GEMM size that gave it.</param>
/// <param name="FractionOfPeak">AchievedGflops / PeakGflops.</param>
/// <param name="RatioToBaseline">MedianNs / the single network's MedianNs at the same (suite, width, M); NaN when it was not measured.</param>
/// <param name="RowsPerSecond">Member-rows processed per second, M*B / MedianNs.</param>
public sealed record RooflineRow(
    string Suite, WorkloadKind Kind, int Width, int Members, int Batch, double Flops, double MedianNs, double MeanNs, double StdErrNs,
    double AchievedGflops, double PeakGflops, int PeakGemmSize, double FractionOfPeak, double RatioToBaseline, double RowsPerSecond);

/// <summary>Parameter counts and measured native memory of one configuration.</summary>
/// <param name="Kind">The configuration.</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="Batch">Rows per member B.</param>
/// <param name="ParamsShared">Shared trainable parameters.</param>
/// <param name="ParamsPerMember">Trainable parameters per member.</param>
/// <param name="ParamsTotal">Shared + M * per member.</param>
/// <param name="ParamsRatioToSingle">Total / one plain network's parameters.</param>
/// <param name="TrainPeakBytes">Measured peak native bytes above the resting state during one training step.</param>
/// <param name="TrainForwardLiveBytes">Native bytes allocated and still live after the forward pass and loss (activations saved for backward).</param>
/// <param name="InferencePeakBytes">Measured peak native bytes above the resting state during one inference pass.</param>
/// <param name="ElementBytes">Bytes per parameter (4, float32).</param>
public sealed record MemoryRow(
    WorkloadKind Kind, int Width, int Members, int Batch,
    long ParamsShared, long ParamsPerMember, long ParamsTotal, double ParamsRatioToSingle,
    long TrainPeakBytes, long TrainForwardLiveBytes, long InferencePeakBytes, int ElementBytes = 4)
{
    /// <summary>Shared parameter bytes.</summary>
    public long ParamBytesShared => ParamsShared * ElementBytes;
    /// <summary>Per-member parameter bytes.</summary>
    public long ParamBytesPerMember => ParamsPerMember * ElementBytes;
    /// <summary>Total parameter bytes.</summary>
    public long ParamBytesTotal => ParamsTotal * ElementBytes;
}

/// <summary>One target check: a point of the grid (or "all", the worst case), its measured value and the verdict.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Point">The grid point ("suite width=N M=M"), or "all" for the summary row.</param>
/// <param name="Measured">The measured value (worst case on the summary row).</param>
/// <param name="Threshold">The threshold it is compared with.</param>
/// <param name="Comparison">"&lt;=" or "&gt;=".</param>
/// <param name="Met">Whether the value satisfies the threshold (on "all": whether every point does).</param>
/// <param name="Source">Where the times come from: <see cref="Targets.BenchmarkDotNetSource"/> (medians of the suites),
/// <see cref="Targets.InterleavedSource"/> (minima of the interleaved step breakdown), <see cref="Targets.ParameterSource"/>
/// or <see cref="Targets.PeerSource"/>.</param>
/// <param name="Note">Empty, or why the target could not be evaluated ("skipped: ..." is not met and not a failure).</param>
public sealed record TargetRow(string Target, string Point, double Measured, double Threshold, string Comparison, bool Met,
    string Source = Targets.BenchmarkDotNetSource, string Note = "");
