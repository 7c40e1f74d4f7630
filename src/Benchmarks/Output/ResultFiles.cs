using System.Globalization;
using System.Text;
using EEArtifacts.Benchmarks.Analysis;
using EEArtifacts.Benchmarks.Peer;
using EEArtifacts.Benchmarks.Profiling;

namespace EEArtifacts.Benchmarks.Output;

/// <summary>
/// Renders the post-processed records as CSV (UTF-8, \n, header row, comma separated, invariant culture, doubles
/// in round-trip form, as docs/RESULTS.md asks) and Markdown, and writes files atomically.
/// </summary>
public static class ResultFiles
{
    /// <summary>Columns of roofline.csv.</summary>
    public const string RooflineHeader =
        "suite,workload,width,members,batch,flops,median_ns,mean_ns,stderr_ns,achieved_gflops,peak_gemm_gflops,peak_gemm_size,fraction_of_peak,ratio_to_single,rows_per_second";

    /// <summary>Columns of gemm.csv.</summary>
    public const string GemmHeader = "when,size,flops,time_ns,stderr_ns,gflops,fraction_of_best";

    /// <summary>Columns of memory.csv.</summary>
    public const string MemoryHeader =
        "workload,width,members,batch,params_shared,params_per_member,params_total,param_bytes_shared,param_bytes_per_member,param_bytes_total,params_ratio_to_single,train_peak_bytes,train_forward_live_bytes,inference_peak_bytes";

    /// <summary>Columns of breakdown.csv.</summary>
    public const string BreakdownHeader = "workload,width,members,step_ms,forward_loss_ms,backward_ms,update_and_rest_ms,inference_ms";

    /// <summary>Columns of layers.csv.</summary>
    public const string LayersHeader = "variant,width,members,forward_ms,forward_backward_ms";

    /// <summary>breakdown.csv.</summary>
    public static string BreakdownCsv(IEnumerable<BreakdownRow> rows) => Csv(BreakdownHeader, rows.Select(r => new object[]
    {
        r.Kind.ToString(), r.Width, r.Members, r.StepMs, r.ForwardLossMs, r.BackwardMs, r.UpdateAndRestMs, r.InferenceMs,
    }));

    /// <summary>layers.csv.</summary>
    public static string LayersCsv(IEnumerable<LayerRow> rows) => Csv(LayersHeader, rows.Select(r => new object[]
    {
        r.Variant, r.Width, r.Members, r.ForwardMs, r.ForwardBackwardMs,
    }));

    /// <summary>Columns of targets.csv.</summary>
    public const string TargetsHeader = "target,measured,met,source,point,threshold,comparison,note";

    /// <summary>Columns of the answers of the peer server (what Peer/torch_be_step.py prints).</summary>
    public const string PeerTimingHeader = "workload,width,members,median_ms,steps,threads,torch,blas,python";

    /// <summary>Columns of peer.csv: the interleaved comparison, one row per configuration and shape.</summary>
    public const string PeerHeader =
        "workload,width,members,rounds,steps_per_round,project_median_ms,peer_median_ms,ratio_median,ratio_min,ratio_max,threads,torch,blas,python";

    /// <summary>peer.csv.</summary>
    public static string PeerCsv(IEnumerable<PeerComparison> rows) => Csv(PeerHeader, rows.Select(c => new object[]
    {
        c.Kind.ToString(), c.Width, c.Members, c.Rounds, c.StepsPerRound, c.ProjectMedianMs, c.PeerMedianMs,
        c.RatioMedian, c.RatioMin, c.RatioMax, c.Peer.Threads, c.Peer.Torch, c.Peer.Blas, c.Peer.Python,
    }));

    /// <summary>roofline.csv.</summary>
    public static string RooflineCsv(IEnumerable<RooflineRow> rows) => Csv(RooflineHeader, rows.Select(r => new object[]
    {
        r.Suite, r.Kind.ToString(), r.Width, r.Members, r.Batch, r.Flops, r.MedianNs, r.MeanNs, r.StdErrNs,
        r.AchievedGflops, r.PeakGflops, r.PeakGemmSize, r.FractionOfPeak, r.RatioToBaseline, r.RowsPerSecond,
    }));

    /// <summary>gemm.csv.</summary>
    /// <remarks>fraction_of_best is relative to the best of the same kind: the suites' medians (before, after) or the breakdown's minima.</remarks>
    public static string GemmCsv(IReadOnlyList<GemmTiming> gemms)
    {
        double suites = Roofline.Best(gemms.Where(g => g.When != "breakdown_min"))?.Gflops ?? double.NaN;
        double minima = Roofline.Best(gemms.Where(g => g.When == "breakdown_min"))?.Gflops ?? double.NaN;
        return Csv(GemmHeader, gemms.Select(g => new object[]
        {
            g.When, g.Size, FlopCount.Gemm(g.Size), g.MedianNs, g.StdErrNs, g.Gflops, g.Gflops / (g.When == "breakdown_min" ? minima : suites),
        }));
    }

    /// <summary>memory.csv.</summary>
    public static string MemoryCsv(IEnumerable<MemoryRow> rows) => Csv(MemoryHeader, rows.Select(m => new object[]
    {
        m.Kind.ToString(), m.Width, m.Members, m.Batch, m.ParamsShared, m.ParamsPerMember, m.ParamsTotal,
        m.ParamBytesShared, m.ParamBytesPerMember, m.ParamBytesTotal, m.ParamsRatioToSingle,
        m.TrainPeakBytes, m.TrainForwardLiveBytes, m.InferencePeakBytes,
    }));

    /// <summary>targets.csv: one row per point and a summary row ("all") per target.</summary>
    public static string TargetsCsv(IEnumerable<TargetRow> rows) => Csv(TargetsHeader, rows.Select(t => new object[]
    {
        t.Target, t.Measured, t.Met ? "true" : "false", t.Source, t.Point, t.Threshold, t.Comparison, t.Note,
    }));

    /// <summary>targets.md: the summary table (target, measured, met), then every point.</summary>
    public static string TargetsMarkdown(IReadOnlyList<TargetRow> rows, string provenanceLine)
    {
        var sb = new StringBuilder();
        sb.Append("# Performance targets\n\n").Append(provenanceLine).Append("\n\n");
        sb.Append("| target | source | measured (worst point) | met |\n|---|---|---:|:---:|\n");
        foreach (TargetRow t in rows.Where(r => r.Point == "all"))
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {t.Target} ({t.Comparison} {Format(t.Threshold)}) | {t.Source} | {Short(t.Measured)} | {Verdict(t)} |\n");
        }
        sb.Append("\n## Every point\n\n| target | source | point | measured | met |\n|---|---|---|---:|:---:|\n");
        foreach (TargetRow t in rows.Where(r => r.Point != "all"))
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {t.Target} | {t.Source} | {t.Point} | {Short(t.Measured)} | {Verdict(t)} |\n");
        }
        return sb.ToString();
    }

    /// <summary>A CSV text from a header and rows of values (numbers invariant, doubles round-trip).</summary>
    public static string Csv(string header, IEnumerable<object[]> rows)
    {
        var sb = new StringBuilder();
        sb.Append(header).Append('\n');
        foreach (object[] row in rows)
        {
            sb.AppendJoin(',', row.Select(Format)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>One CSV field: doubles in round-trip form ("NaN", "Infinity"), integers invariant, text checked for commas.</summary>
    public static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        string s when s.Contains(',', StringComparison.Ordinal) || s.Contains('\n', StringComparison.Ordinal)
            => throw new ArgumentException($"CSV field '{s}' contains a comma or line break"),
        _ => value.ToString() ?? "",
    };

    // "yes", "NO", or the note of a target that could not be evaluated (not met, not failed).
    private static string Verdict(TargetRow t) => t.Met ? "yes" : t.Note.Length > 0 ? t.Note : "NO";

    private static string Short(double d) => double.IsNaN(d) ? "NaN" : d.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Writes UTF-8 text (no BOM) atomically: a temp file in the same folder, then a rename.</summary>
    public static void WriteAtomically(string path, string text)
    {
        string temp = path + ".partial";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
