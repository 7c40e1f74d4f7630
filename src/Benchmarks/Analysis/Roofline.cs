using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Analysis;

/// <summary>
/// Puts each measured ensemble case against the best float32 GEMM rate measured in the same run on the same
/// cores: achieved rate = analytic GEMM FLOPs / measured time, fraction = achieved / best GEMM rate.
/// Times are medians over BenchmarkDotNet's iterations: on a machine shared with other work, interference only
/// ever adds time and comes in bursts, which move a mean of five iterations much more than their median.
/// </summary>
public static class Roofline
{
    /// <summary>The best GEMM of the run (highest GFLOP/s), or null when none was measured.</summary>
    public static GemmTiming? Best(IEnumerable<GemmTiming> gemms) =>
        gemms.Where(g => g.MedianNs > 0 && double.IsFinite(g.MedianNs)).MaxBy(g => g.Gflops);

    /// <summary>One row per timing, in the order given; fractions are NaN when no GEMM was measured.</summary>
    public static IReadOnlyList<RooflineRow> Compute(IEnumerable<StepTiming> timings, IEnumerable<GemmTiming> gemms)
    {
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(gemms);
        List<StepTiming> all = timings.ToList();
        GemmTiming? best = Best(gemms);
        double peak = best?.Gflops ?? double.NaN;
        var baselines = all.Where(t => t.Kind == WorkloadKind.SingleNetwork)
            .GroupBy(t => (t.Suite, t.Width, t.Members, t.Batch))
            .ToDictionary(g => g.Key, g => g.First().MedianNs);
        var rows = new List<RooflineRow>(all.Count);
        foreach (StepTiming t in all)
        {
            var shape = new WorkloadShape(t.Width, t.Members, t.Batch);
            double flops = t.Suite == SuiteNames.Inference ? FlopCount.Forward(t.Kind, shape) : FlopCount.TrainingStep(t.Kind, shape);
            double achieved = flops / t.MedianNs; // FLOP/ns = GFLOP/s
            double ratio = baselines.TryGetValue((t.Suite, t.Width, t.Members, t.Batch), out double b) ? t.MedianNs / b : double.NaN;
            rows.Add(new RooflineRow(t.Suite, t.Kind, t.Width, t.Members, t.Batch, flops, t.MedianNs, t.MeanNs, t.StdErrNs,
                achieved, peak, best?.Size ?? 0, achieved / peak, ratio, shape.Rows / t.MedianNs * 1e9));
        }
        return rows;
    }
}
