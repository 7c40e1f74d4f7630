using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E6 infinite-width: trained finite ensembles against the closed-form limit (width = 0 rows).</summary>
public sealed class InfiniteWidthSection : ExperimentSection
{
    private const string Regime = Column.Regime, Family = Column.Family, Width = Column.Width, Members = Column.Members, Mse = Column.TestMse, MseSe = Column.TestMseSe;

    private const string Independent = RegimeValue.Independent, Collective = RegimeValue.Collective;

    /// <summary>The family drawn and tested; if absent, the first family present.</summary>
    public const string MainFamily = "batch-ensemble";

    public override string Experiment => ResultLayout.InfiniteWidth.Experiment;

    public override string Id => "E6";

    public override string Title => "E6 infinite-width: trained ensembles against the exact limit";

    public override string Shows =>
        "Expected ensemble test MSE against ensemble size M on a small regression task, for finite widths and for the closed-form infinite-width prediction (width = 0 rows) of THEORY.md section 3, in both regimes. " +
        "In the independent regime the variance term falls like 1/M; in the collective regime it reaches a floor. Finite widths should approach the theory curve as width grows.";

    public override IReadOnlyList<string> RowColumns => [Regime, Family, Width, Members, Mse, MseSe];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E6.1", "Independent regime: the ensemble test MSE follows a + b/M with b > 0 (the variance term falls like 1/M)", "THEORY.md §3 (beyond the paper)",
            "b of the weighted least-squares fit test_mse = a + b/M (weights 1/test_mse_se²) over every M, regime independent, largest finite width (theory if none); " +
            "its SE is scaled by sqrt(χ²/dof) when the fit is worse than its error bars (Birge ratio), so a curve that a + b/M does not describe cannot hold", 2,
            OneOverM),
        new PositiveRule("E6.2", "Collective regime: a variance floor keeps the test MSE above the independent regime's at large M", "THEORY.md §3",
            "test_mse(collective) − test_mse(independent) at the largest M, largest finite width; SEs from test_mse_se combined", 2,
            Floor),
        new PositiveRule("E6.3", "Finite-width ensembles approach the infinite-width curve as width grows", "THEORY.md §3",
            "mean |test_mse − theory| over regimes and M at the smallest finite width minus at the largest; SEs from test_mse_se", 2,
            Convergence),
    ];

    public override IEnumerable<FigureSpec> Figures(ExperimentResults results)
    {
        var rows = MainRows(results.Rows.Rows, out var family);
        var fig = new FigureSpec
        {
            Id = "e6-infinite-width",
            Caption = $"E6 infinite-width ({family}). Expected ensemble test MSE against M (log-log), one panel per regime. Dashed: the infinite-width theory (width = 0 rows); markers: finite widths, mean ±1 SE.",
        };
        foreach (var regime in Data.Distinct(rows, Regime))
        {
            var p = new PanelSpec { Title = regime, XLabel = "ensemble size M", YLabel = "test MSE", LogX = true, LogY = true };
            var sub = rows.Where(r => r.S(Regime) == regime).ToList();
            foreach (var w in Data.Levels(sub, Width))
            {
                var at = sub.Where(r => r.D(Width) == w);
                p.Series.Add(w == 0
                    ? Data.Series("theory (N → ∞)", Data.ByLevel(at, Members, Mse), SeriesStyle.Theory, "theory")
                    : Data.Series($"width {Data.Num(w)}", Data.ByLevel(at, Members, Mse, MseSe)));
            }

            fig.Panels.Add(p);
        }

        yield return fig;
    }

    private static List<CsvRow> MainRows(IReadOnlyList<CsvRow> all, out string family)
    {
        var fams = Data.Distinct(all, Family);
        family = fams.Contains(MainFamily) ? MainFamily : fams.FirstOrDefault() ?? MainFamily;
        var f = family;
        return all.Where(r => r.S(Family) == f).ToList();
    }

    private static double LargestFinite(IEnumerable<CsvRow> rows) => Data.Levels(rows, Width).Where(w => w > 0).DefaultIfEmpty(0).Max();

    private static StatOutcome OneOverM(ExperimentResults r)
    {
        var rows = MainRows(r.Rows.Rows, out _).Where(x => x.S(Regime) == Independent).ToList();
        if (rows.Count == 0)
        {
            return StatOutcome.Missing($"no '{Independent}' rows");
        }

        var w = LargestFinite(rows);
        var curve = Data.ByLevel(rows.Where(x => x.D(Width) == w), Members, Mse, MseSe);
        if (curve.Count < 3)
        {
            return StatOutcome.Missing($"a + b/M needs at least 3 ensemble sizes, found {curve.Count}");
        }

        // Weighted least squares on x = 1/M; theory points have no SE and are weighted equally.
        bool weighted = curve.All(p => p.Y.Uncertainty > 0);
        double[] x = curve.Select(p => 1 / p.X).ToArray(), y = curve.Select(p => p.Y.Value).ToArray();
        double[] wt = curve.Select(p => weighted ? 1 / (p.Y.Uncertainty * p.Y.Uncertainty) : 1).ToArray();
        double sw = wt.Sum(), sx = wt.Zip(x, (a, b) => a * b).Sum(), sy = wt.Zip(y, (a, b) => a * b).Sum();
        double sxx = wt.Zip(x, (a, b) => a * b * b).Sum(), sxy = Enumerable.Range(0, x.Length).Sum(i => wt[i] * x[i] * y[i]);
        double det = (sw * sxx) - (sx * sx);
        double b = ((sw * sxy) - (sx * sy)) / det, a = (sy - (b * sx)) / sw;
        int dof = curve.Count - 2;
        double chi2 = Enumerable.Range(0, x.Length).Sum(i => wt[i] * Math.Pow(y[i] - a - (b * x[i]), 2));
        double reduced = chi2 / dof;
        // With weights 1/SE², Var(b) = sw/det; unweighted (theory), the residual variance stands in for the SEs.
        double se = Math.Sqrt((weighted ? sw / det : reduced * sw / det) * (weighted ? Math.Max(1, reduced) : 1));
        var note = $"width {(w == 0 ? "∞ (theory)" : Data.Num(w))}, {curve.Count} ensemble sizes, a = {Data.Num(a)}, " +
                   (weighted ? $"χ²/dof = {Data.Num(reduced)} (dof {dof})" : "unweighted (theory)");
        return StatOutcome.Of(new Measurement(b, se, curve.Count), note);
    }

    private static StatOutcome Floor(ExperimentResults r)
    {
        var rows = MainRows(r.Rows.Rows, out _);
        var w = LargestFinite(rows);
        var at = rows.Where(x => x.D(Width) == w).ToList();
        var m = Data.Levels(at, Members).LastOrDefault(double.NaN);
        var col = at.Where(x => x.S(Regime) == Collective && x.D(Members) == m).ToList();
        var ind = at.Where(x => x.S(Regime) == Independent && x.D(Members) == m).ToList();
        if (col.Count == 0 || ind.Count == 0)
        {
            return StatOutcome.Missing("need both regimes at the largest M");
        }

        return StatOutcome.Of(Data.Mean(col, Mse, MseSe) - Data.Mean(ind, Mse, MseSe), $"width {Data.Num(w)}, M = {Data.Num(m)}");
    }

    private static StatOutcome Convergence(ExperimentResults r)
    {
        var rows = MainRows(r.Rows.Rows, out _);
        var theory = rows.Where(x => x.D(Width) == 0).GroupBy(x => (x.S(Regime), x.D(Members))).ToDictionary(g => g.Key, g => g.Average(x => x.D(Mse)));
        var widths = Data.Levels(rows, Width).Where(w => w > 0).ToList();
        if (theory.Count == 0 || widths.Count < 2)
        {
            return StatOutcome.Missing("need theory rows (width = 0) and at least two finite widths");
        }

        Measurement Dev(double w) => Stat.MeanOfMeasured(rows.Where(x => x.D(Width) == w && theory.ContainsKey((x.S(Regime), x.D(Members))))
            .Select(x => (Math.Abs(x.D(Mse) - theory[(x.S(Regime), x.D(Members))]), x.D(MseSe))));

        return StatOutcome.Of(Dev(widths[0]) - Dev(widths[^1]), $"widths {Data.Num(widths[0])} vs {Data.Num(widths[^1])}");
    }
}
