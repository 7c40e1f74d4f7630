using System.Globalization;
using EEArtifacts.Benchmarks.Peer;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Analysis;

/// <summary>
/// The performance targets, evaluated on what the run measured. Each target gives one row per grid point
/// it covers and a summary row (point "all": the worst value, met when every point is met). A target with no
/// measured point gives a summary row with NaN, not met.
/// </summary>
public static class Targets
{
    /// <summary>BE training step time / single-network time on M*B rows, at width &gt;= 256.</summary>
    public const string TrainVsSingle = "be_train_step_vs_single_network_w>=256";
    /// <summary>The same for BatchEnsemble fed M*B distinct rows (identical GEMM work to the baseline).</summary>
    public const string TiledTrainVsSingle = "be_tiled_train_step_vs_single_network_w>=256";
    /// <summary>BE throughput / independent-loop throughput, every point.</summary>
    public const string VsLoop = "be_throughput_vs_independent_loop";
    /// <summary>BE throughput / independent-loop throughput at small widths.</summary>
    public const string VsLoopSmall = "be_throughput_vs_independent_loop_w<256";
    /// <summary>BE parameters / one network's parameters, M &lt;= 16, width &gt;= 256.</summary>
    public const string Params = "be_params_vs_single_network_m<=16_w>=256";
    /// <summary>BE achieved fraction of the best GEMM rate (training step), width &gt;= 512.</summary>
    public const string GemmFraction = "be_train_fraction_of_gemm_rate_w>=512";
    /// <summary>The same for BatchEnsemble fed M*B distinct rows.</summary>
    public const string TiledGemmFraction = "be_tiled_train_fraction_of_gemm_rate_w>=512";

    /// <summary>The single network's training step time / the PyTorch peer's plain MLP at the same shapes, every point.</summary>
    public const string PeerSingle = "single_network_train_step_vs_pytorch_peer";
    /// <summary>BatchEnsemble's training step time / the PyTorch peer's (torch-uncertainty's layer form), every point.</summary>
    public const string PeerBatchEnsemble = "be_train_step_vs_pytorch_peer";

    /// <summary>Source of timing targets computed from the BenchmarkDotNet suites (medians).</summary>
    public const string BenchmarkDotNetSource = "benchmarkdotnet_median";
    /// <summary>Source of timing targets computed from the interleaved step breakdown (minima).</summary>
    public const string InterleavedSource = "interleaved_min";
    /// <summary>Source of the peer targets: the median of per-round ratios of the interleaved comparison.</summary>
    public const string PeerSource = "interleaved_median_of_round_ratios";
    /// <summary>Source of the parameter target.</summary>
    public const string ParameterSource = "parameter_count";

    /// <summary>Widths below this count as "small" for <see cref="VsLoopSmall"/>.</summary>
    public const int SmallWidthBelow = 256;

    /// <summary>
    /// Evaluates every target: the timing targets on <paramref name="roofline"/> (labelled <paramref name="source"/>),
    /// the parameter target on <paramref name="memory"/> unless it is null.
    /// </summary>
    public static IReadOnlyList<TargetRow> Evaluate(IReadOnlyList<RooflineRow> roofline, IReadOnlyList<MemoryRow>? memory,
        string source = BenchmarkDotNetSource)
    {
        ArgumentNullException.ThrowIfNull(roofline);
        var rows = new List<TargetRow>();
        void Check(string target, string comparison, double threshold, IEnumerable<(string Point, double Value)> points) =>
            Targets.Check(rows, target, comparison, threshold, points, source);

        Check(TrainVsSingle, "<=", 1.10, roofline
            .Where(r => r.Suite == SuiteNames.TrainingStep && r.Kind == WorkloadKind.BatchEnsemble && r.Width >= 256)
            .Select(r => (Point(r), r.RatioToBaseline)));
        Check(TiledTrainVsSingle, "<=", 1.10, roofline
            .Where(r => r.Suite == SuiteNames.TrainingStep && r.Kind == WorkloadKind.BatchEnsembleTiled && r.Width >= 256)
            .Select(r => (Point(r), r.RatioToBaseline)));

        var loopRatios = roofline.Where(r => r.Kind == WorkloadKind.BatchEnsemble)
            .Select(be => (be, loop: roofline.FirstOrDefault(l => l.Kind == WorkloadKind.IndependentLoop
                && l.Suite == be.Suite && l.Width == be.Width && l.Members == be.Members && l.Batch == be.Batch)))
            .Where(p => p.loop is not null)
            .Select(p => (p.be, ratio: p.loop!.MedianNs / p.be.MedianNs))
            .ToList();
        Check(VsLoop, ">=", 1.0, loopRatios.Select(p => (Point(p.be), p.ratio)));
        Check(VsLoopSmall, ">=", 2.0, loopRatios.Where(p => p.be.Width < SmallWidthBelow).Select(p => (Point(p.be), p.ratio)));

        if (memory is not null)
        {
            Targets.Check(rows, Params, "<=", 1.10, memory
                .Where(m => m.Kind == WorkloadKind.BatchEnsemble && m.Members <= 16 && m.Width >= 256)
                .Select(m => ($"params width={m.Width} M={m.Members}", m.ParamsRatioToSingle)), ParameterSource);
        }

        Check(GemmFraction, ">=", 0.6, roofline
            .Where(r => r.Suite == SuiteNames.TrainingStep && r.Kind == WorkloadKind.BatchEnsemble && r.Width >= 512)
            .Select(r => (Point(r), r.FractionOfPeak)));
        Check(TiledGemmFraction, ">=", 0.6, roofline
            .Where(r => r.Suite == SuiteNames.TrainingStep && r.Kind == WorkloadKind.BatchEnsembleTiled && r.Width >= 512)
            .Select(r => (Point(r), r.FractionOfPeak)));
        return rows;
    }

    /// <summary>
    /// The peer targets: this project's training step / the peer's, as the median of the interleaved rounds' ratios,
    /// at every (width, M) the peer phase compared, for the single network and BatchEnsemble. A peer that did not
    /// run gives summary rows with its note (not met).
    /// </summary>
    public static IReadOnlyList<TargetRow> EvaluatePeer(PeerRun peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var rows = new List<TargetRow>();
        foreach ((string target, WorkloadKind kind) in new[] { (PeerSingle, WorkloadKind.SingleNetwork), (PeerBatchEnsemble, WorkloadKind.BatchEnsemble) })
        {
            if (!peer.Ran)
            {
                rows.Add(new TargetRow(target, "all", double.NaN, 1.0, "<=", false, PeerSource, peer.Note));
                continue;
            }
            Check(rows, target, "<=", 1.0, peer.Comparisons
                .Where(c => c.Kind == kind)
                .Select(c => (Point(SuiteNames.TrainingStep, c.Width, c.Members), c.RatioMedian)),
                PeerSource);
        }
        return rows;
    }

    private static string Point(RooflineRow r) => Point(r.Suite, r.Width, r.Members);

    private static string Point(string suite, int width, int members) =>
        string.Create(CultureInfo.InvariantCulture, $"{suite} width={width} M={members}");

    private static void Check(List<TargetRow> rows, string target, string comparison, double threshold,
        IEnumerable<(string Point, double Value)> points, string source)
    {
        bool upper = comparison == "<=";
        var list = points.ToList();
        foreach ((string point, double value) in list)
        {
            rows.Add(new TargetRow(target, point, value, threshold, comparison, Satisfies(value, threshold, upper), source));
        }
        if (list.Count == 0)
        {
            rows.Add(new TargetRow(target, "all", double.NaN, threshold, comparison, false, source));
            return;
        }
        // The worst point: the largest value for an upper bound, the smallest for a lower bound (NaN is worst).
        double worst = list.Any(p => double.IsNaN(p.Value)) ? double.NaN
            : upper ? list.Max(p => p.Value) : list.Min(p => p.Value);
        rows.Add(new TargetRow(target, "all", worst, threshold, comparison, list.All(p => Satisfies(p.Value, threshold, upper)), source));
    }

    private static bool Satisfies(double value, double threshold, bool upper) =>
        !double.IsNaN(value) && (upper ? value <= threshold : value >= threshold);
}
