using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E2 ntk-init: the ensemble NTK at initialization (Theorem 2).</summary>
public sealed class NtkInitSection : ExperimentSection
{
    private const string Setting = Column.Setting, Width = Column.Width;
    private const string ErrCom = Column.RelErrCom, ErrInd = Column.RelErrInd, Ratio = Column.CrossSameRatioEmp, RatioTheory = Column.CrossSameRatioTheory;

    public override string Experiment => ResultLayout.NtkInit.Experiment;

    public override string Id => "E2";

    public override string Title => "E2 ntk-init: the ensemble NTK at initialization (Theorem 2)";

    public override string Shows =>
        "Relative Frobenius error of the empirical NTK (shared-weight part Θ^com and member-specific part Θ^ind) against its analytic limit, by exact gradients. " +
        "Determinacy means the error falls like N^(-1/2): a slope near −1/2 on log-log axes. " +
        "The cross/same block ratio of the NTK falls to 0 when U1 = 0 (dynamic independence) and settles at its analytic value > 0 otherwise.";

    public override IReadOnlyList<string> RowColumns => [Setting, Column.Regime, Width, ErrCom, ErrInd, Ratio, RatioTheory];

    private const string IntervalRedesign = "the interval is decided like two one-sided tests (TOST), the rule of every interval claim: it holds when value ± 2 SE lies inside (before: the estimate inside and SE ≤ 0.1)";

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new IntervalRule("E2.1", "The shared-weight NTK Θ^com concentrates on its deterministic limit, error ∝ N^(−1/2)", "Theorem 2.1",
            "OLS slope of log10 rel_err_com on log10 width over all rows; SE from the residuals", -0.75, -0.25, 2,
            r => Slope(r, ErrCom)) { Redesign = IntervalRedesign },
        new IntervalRule("E2.2", "The member-specific NTK Θ^ind concentrates on its deterministic limit, error ∝ N^(−1/2)", "Theorem 2.1",
            "OLS slope of log10 rel_err_ind on log10 width over rows with rel_err_ind > 0; SE from the residuals", -0.75, -0.25, 2,
            r => Slope(r, ErrInd)) { Redesign = IntervalRedesign },
        new EqualsRule("E2.3", "With U1 = 0 the cross-member NTK block vanishes (dynamic independence)", "Theorem 2.2",
            "mean cross_same_ratio_emp over regime independent (U1 = 0) rows at the largest width; SE = SD/sqrt(n) over rows", 0, 3, 0.1,
            r => RatioAtLargest(r, true)),
        new EqualsRule("E2.4", "With U1 ≠ 0 the cross/same NTK ratio settles at its analytic value", "Theorem 2.3",
            "mean (cross_same_ratio_emp − cross_same_ratio_theory) over regime collective (U1 ≠ 0) rows at the largest width; SE = SD/sqrt(n) over rows", 0, 3, 0.1,
            r => RatioAtLargest(r, false)),
    ];

    public override IEnumerable<FigureSpec> Figures(ExperimentResults results)
    {
        var rows = results.Rows.Rows;
        var fig = new FigureSpec
        {
            Id = "e2-ntk-init",
            Columns = 3,
            PanelWidth = 460,
            Caption = "E2 ntk-init. (a, b) Relative error of the empirical NTK against the analytic one versus width on log-log axes, one colour per setting, mean ±1 SE over seeds; the dashed line is the pooled least-squares fit whose slope (±SE) is printed. (c) Cross/same NTK block ratio per modulation law (setting): markers measured (±1 SE), dashed lines analytic.",
        };
        fig.Panels.Add(ErrorPanel(rows, "(a) shared part Θ^com", ErrCom));
        fig.Panels.Add(ErrorPanel(rows, "(b) member part Θ^ind", ErrInd));
        var ratio = new PanelSpec { Title = "(c) cross/same block ratio", XLabel = "width N", YLabel = "Θ_cross / Θ_same", LogX = true };
        foreach (var s in Data.Distinct(rows, Setting))
        {
            var sub = rows.Where(r => r.S(Setting) == s).ToList();
            ratio.Series.Add(Data.Series(s, Data.ByLevel(sub, Width, Ratio)));
            ratio.Series.Add(Data.Series("", Data.ByLevel(sub, Width, RatioTheory), SeriesStyle.Theory, s));
        }

        ratio.Lines.Add(new RefLine(0, ""));
        fig.Panels.Add(ratio);
        yield return fig;
    }

    private static PanelSpec ErrorPanel(IReadOnlyList<CsvRow> rows, string title, string column)
    {
        var p = new PanelSpec { Title = title, XLabel = "width N", YLabel = "relative Frobenius error", LogX = true, LogY = true };
        foreach (var s in Data.Distinct(rows, Setting))
        {
            p.Series.Add(Data.Series(s, Data.ByLevel(rows.Where(r => r.S(Setting) == s && r.D(column) > 0), Width, column)));
        }

        var fit = Data.LogLogFit(rows, Width, column);
        if (double.IsFinite(fit.Slope))
        {
            var widths = Data.Levels(rows, Width).Where(w => w > 0).ToArray();
            p.Series.Add(new SeriesSpec("fit", widths, widths.Select(w => Math.Pow(10, fit.Intercept + fit.Slope * Math.Log10(w))).ToArray(), null, SeriesStyle.Theory, "fit"));
            p.Note = $"slope {Data.Num(fit.Slope)} ± {Data.Num(fit.SlopeSe)} (SE)";
        }

        return p;
    }

    private static StatOutcome Slope(ExperimentResults r, string column)
    {
        var fit = Data.LogLogFit(r.Rows.Rows, Width, column);
        return double.IsFinite(fit.Slope)
            ? StatOutcome.Of(fit.SlopeMeasurement, $"{fit.N} points")
            : StatOutcome.Missing($"no fit possible ({fit.N} usable points)");
    }

    private static StatOutcome RatioAtLargest(ExperimentResults r, bool u1Zero)
    {
        var rows = r.Rows.Rows.Where(x => RegimeColumn.Is(x, u1Zero ? RegimeValue.Independent : RegimeValue.Collective)).ToList();
        if (rows.Count == 0)
        {
            return StatOutcome.Missing(u1Zero ? "no U1 = 0 rows" : "no U1 ≠ 0 rows");
        }

        var w = Data.Levels(rows, Width).Last();
        var at = rows.Where(x => x.D(Width) == w).ToList();
        var m = u1Zero
            ? Stat.MeanSe(at.Select(x => x.D(Ratio)))
            : Stat.MeanSe(at.Select(x => x.D(Ratio) - x.D(RatioTheory)));
        return StatOutcome.Of(m, $"width {Data.Num(w)}");
    }
}
