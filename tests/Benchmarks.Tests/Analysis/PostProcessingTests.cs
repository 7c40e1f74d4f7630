using System.Globalization;
using EEArtifacts.Benchmarks.Analysis;
using EEArtifacts.Benchmarks.Output;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Tests.Analysis;

/// The roofline and target post-processing on fabricated, summary-like records.
public class PostProcessingTests
{
    private static readonly GemmTiming[] Gemms =
    [
        new(256, FlopCount.Gemm(256) / 20.0, 1), // 20 GFLOP/s
        new(512, FlopCount.Gemm(512) / 50.0, 1), // 50 GFLOP/s: the best
        new(1024, FlopCount.Gemm(1024) / 40.0, 1),
    ];

    private static StepTiming T(WorkloadKind kind, int width, int members, double ms, string suite = SuiteNames.TrainingStep) =>
        StepTiming.Exact(suite, kind, width, members, 64, ms * 1e6);

    [Fact]
    public void MediansNotMeansDriveTheRatios()
    {
        // A burst of interference moved the mean of the ensemble case, not its median.
        var rows = Roofline.Compute(
        [
            StepTiming.Exact(SuiteNames.TrainingStep, WorkloadKind.SingleNetwork, 256, 4, 64, 10e6),
            new StepTiming(SuiteNames.TrainingStep, WorkloadKind.BatchEnsemble, 256, 4, 64, MeanNs: 30e6, StdErrNs: 8e6, MedianNs: 10.5e6, MinNs: 10e6),
        ], Gemms);
        Assert.Equal(1.05, rows[1].RatioToBaseline, 12);
        Assert.Equal(30e6, rows[1].MeanNs);
    }

    [Fact]
    public void BestGemmIsTheHighestRate()
    {
        GemmTiming best = Roofline.Best(Gemms)!;
        Assert.Equal(512, best.Size);
        Assert.Equal(50.0, best.Gflops, 9);
        Assert.Null(Roofline.Best([]));
    }

    [Fact]
    public void RooflineDividesAnalyticFlopsByTimeAndThePeak()
    {
        var shape = new WorkloadShape(512, 4);
        double flops = FlopCount.TrainingStep(WorkloadKind.BatchEnsemble, shape);
        double ns = flops / 30.0; // exactly 30 GFLOP/s
        var rows = Roofline.Compute(
            [T(WorkloadKind.SingleNetwork, 512, 4, 10), StepTiming.Exact(SuiteNames.TrainingStep, WorkloadKind.BatchEnsemble, 512, 4, 64, ns)], Gemms);
        RooflineRow be = rows.Single(r => r.Kind == WorkloadKind.BatchEnsemble);
        Assert.Equal(flops, be.Flops);
        Assert.Equal(30.0, be.AchievedGflops, 9);
        Assert.Equal(50.0, be.PeakGflops, 9);
        Assert.Equal(512, be.PeakGemmSize);
        Assert.Equal(0.6, be.FractionOfPeak, 9);
        Assert.Equal(ns / 10e6, be.RatioToBaseline, 12);
        Assert.Equal(256 / ns * 1e9, be.RowsPerSecond, 6);
        Assert.Equal(1.0, rows.Single(r => r.Kind == WorkloadKind.SingleNetwork).RatioToBaseline);
    }

    [Fact]
    public void InferenceUsesForwardFlopsAndBaselinesAreMatchedPerSuiteWidthAndM()
    {
        var rows = Roofline.Compute(
        [
            T(WorkloadKind.SingleNetwork, 64, 4, 2, SuiteNames.Inference),
            T(WorkloadKind.SingleNetwork, 64, 16, 8, SuiteNames.Inference),
            T(WorkloadKind.BatchEnsemble, 64, 16, 4, SuiteNames.Inference),
            T(WorkloadKind.BatchEnsemble, 64, 4, 4, SuiteNames.TrainingStep), // no training baseline measured
        ], Gemms);
        RooflineRow inf = rows.Single(r => r.Suite == SuiteNames.Inference && r.Kind == WorkloadKind.BatchEnsemble);
        Assert.Equal(0.5, inf.RatioToBaseline);
        Assert.Equal(FlopCount.Forward(WorkloadKind.BatchEnsemble, new WorkloadShape(64, 16)), inf.Flops);
        Assert.True(double.IsNaN(rows.Single(r => r.Suite == SuiteNames.TrainingStep).RatioToBaseline));
    }

    [Fact]
    public void WithoutGemmMeasurementsFractionsAreNaN()
    {
        var rows = Roofline.Compute([T(WorkloadKind.BatchEnsemble, 64, 4, 1)], []);
        Assert.True(double.IsNaN(rows[0].FractionOfPeak));
        Assert.Equal(0, rows[0].PeakGemmSize);
    }

    private static MemoryRow Params(int width, int members, double ratio) =>
        new(WorkloadKind.BatchEnsemble, width, members, 64, 1000, 10, 1000 + 10 * members, ratio, 0, 0, 0);

    [Fact]
    public void TargetsAreCheckedPerPointWithAWorstCaseSummary()
    {
        var timings = new List<StepTiming>
        {
            T(WorkloadKind.SingleNetwork, 64, 4, 10), T(WorkloadKind.BatchEnsemble, 64, 4, 12), T(WorkloadKind.IndependentLoop, 64, 4, 30),
            T(WorkloadKind.SingleNetwork, 256, 4, 10), T(WorkloadKind.BatchEnsemble, 256, 4, 10.5), T(WorkloadKind.IndependentLoop, 256, 4, 11),
            T(WorkloadKind.SingleNetwork, 1024, 4, 80), T(WorkloadKind.BatchEnsemble, 1024, 4, 96), T(WorkloadKind.IndependentLoop, 1024, 4, 88),
        };
        var roofline = Roofline.Compute(timings, Gemms);
        var targets = Targets.Evaluate(roofline, [Params(64, 4, 1.5), Params(256, 4, 1.05), Params(256, 32, 1.5), Params(1024, 16, 1.08)]);

        TargetRow Summary(string name) => targets.Single(t => t.Target == name && t.Point == "all");

        // BE vs single at width >= 256: 1.05 (met) and 1.2 (missed): worst 1.2, not met; width 64 (1.2) not counted.
        Assert.Equal(2, targets.Count(t => t.Target == Targets.TrainVsSingle && t.Point != "all"));
        Assert.Equal(1.2, Summary(Targets.TrainVsSingle).Measured, 12);
        Assert.False(Summary(Targets.TrainVsSingle).Met);
        Assert.True(targets.Single(t => t.Target == Targets.TrainVsSingle && t.Point == "training width=256 M=4").Met);

        // Loop time / BE time: 2.5, 1.047..., 0.9166...: worst below 1, not met; the small-width one (2.5) meets >= 2.
        Assert.Equal(11.0 / 12, Summary(Targets.VsLoop).Measured, 12);
        Assert.False(Summary(Targets.VsLoop).Met);
        Assert.Equal(2.5, Summary(Targets.VsLoopSmall).Measured, 12);
        Assert.True(Summary(Targets.VsLoopSmall).Met);

        // Parameters: M <= 16 and width >= 256 only: 1.05 and 1.08, both met (M = 32 and width 64 are out of scope).
        Assert.Equal(1.08, Summary(Targets.Params).Measured, 12);
        Assert.True(Summary(Targets.Params).Met);
        Assert.Equal(2, targets.Count(t => t.Target == Targets.Params && t.Point != "all"));

        // GEMM fraction at width >= 512: one point, about 1.64 GFLOP in 96 ms = 17 GFLOP/s, a third of 50: not met.
        Assert.Single(targets, t => t.Target == Targets.GemmFraction && t.Point != "all");
        Assert.False(Summary(Targets.GemmFraction).Met);
    }

    [Fact]
    public void TheInterleavedSourceChecksTheTimingTargetsOnly()
    {
        var breakdown = new[]
        {
            new EEArtifacts.Benchmarks.Profiling.BreakdownRow(WorkloadKind.SingleNetwork, 256, 4, 10, 3, 6, 1, 4),
            new EEArtifacts.Benchmarks.Profiling.BreakdownRow(WorkloadKind.BatchEnsemble, 256, 4, 10.5, 3, 6.5, 1, 4.2),
            new EEArtifacts.Benchmarks.Profiling.BreakdownRow(WorkloadKind.IndependentLoop, 256, 4, 40, double.NaN, double.NaN, double.NaN, 9),
        };
        var timings = EEArtifacts.Benchmarks.Profiling.StepBreakdown.AsTimings(breakdown);
        Assert.Equal(6, timings.Count);
        Assert.Equal(10.5e6, timings.Single(t => t.Kind == WorkloadKind.BatchEnsemble && t.Suite == SuiteNames.TrainingStep).MedianNs);
        var targets = Targets.Evaluate(Roofline.Compute(timings, Gemms), null, Targets.InterleavedSource);
        Assert.All(targets, t => Assert.Equal(Targets.InterleavedSource, t.Source));
        Assert.DoesNotContain(targets, t => t.Target == Targets.Params);
        Assert.Equal(1.05, targets.Single(t => t.Target == Targets.TrainVsSingle && t.Point == "all").Measured, 12);
        Assert.Equal(9 / 4.2, targets.Single(t => t.Target == Targets.VsLoop && t.Point == "inference width=256 M=4").Measured, 12);
    }

    [Fact]
    public void ATargetWithoutMeasurementsIsNaNAndNotMet()
    {
        var targets = Targets.Evaluate([], []);
        Assert.All(targets, t => Assert.Equal("all", t.Point));
        Assert.All(targets, t => Assert.True(double.IsNaN(t.Measured) && !t.Met));
    }

    [Fact]
    public void CsvFilesHaveAHeaderAndInvariantRoundTripNumbers()
    {
        var roofline = Roofline.Compute([T(WorkloadKind.SingleNetwork, 64, 4, 1.5)], []);
        string[] lines = ResultFiles.RooflineCsv(roofline).Split('\n');
        Assert.Equal(ResultFiles.RooflineHeader, lines[0]);
        string[] fields = lines[1].Split(',');
        Assert.Equal(ResultFiles.RooflineHeader.Split(',').Length, fields.Length);
        Assert.Equal("1500000", fields[6]);
        Assert.Equal("1500000", fields[7]);
        Assert.Equal("NaN", fields[12]);
        Assert.Equal(string.Empty, lines[^1]); // ends with \n

        string targets = ResultFiles.TargetsCsv([new TargetRow("t", "all", 1.25, 1.1, "<=", false)]);
        Assert.Equal("target,measured,met,source,point,threshold,comparison,note\nt,1.25,false,benchmarkdotnet_median,all,1.1,<=,\n", targets);
        Assert.Equal(0.1.ToString("R", CultureInfo.InvariantCulture), ResultFiles.Format(0.1));
        Assert.Throws<ArgumentException>(() => ResultFiles.Format("a,b"));
    }

    [Fact]
    public void MemoryCsvReportsParameterBytesAtFourBytesPerParameter()
    {
        string csv = ResultFiles.MemoryCsv([new MemoryRow(WorkloadKind.BatchEnsemble, 256, 4, 64, 100, 7, 128, 1.28, 5, 6, 7)]);
        string[] lines = csv.Split('\n');
        Assert.Equal(ResultFiles.MemoryHeader, lines[0]);
        Assert.Equal("BatchEnsemble,256,4,64,100,7,128,400,28,512,1.28,5,6,7", lines[1]);
    }

    [Fact]
    public void TargetsMarkdownHasTheSummaryTableFirst()
    {
        string md = ResultFiles.TargetsMarkdown([new TargetRow("a", "all", 1.05, 1.1, "<=", true), new TargetRow("a", "p", 1.05, 1.1, "<=", true)], "prov");
        Assert.Contains("| target | source | measured (worst point) | met |", md, StringComparison.Ordinal);
        Assert.Contains("| a (<= 1.1) | benchmarkdotnet_median | 1.05 | yes |", md, StringComparison.Ordinal);
        Assert.Contains("| a | benchmarkdotnet_median | p | 1.05 | yes |", md, StringComparison.Ordinal);
    }
}
