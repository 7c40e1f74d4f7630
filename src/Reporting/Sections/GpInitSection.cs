using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E1 gp-init: outputs at initialization (Theorem 1).</summary>
public sealed class GpInitSection : ExperimentSection
{
    private const string Setting = Column.Setting, Width = Column.Width;

    public override string Experiment => ResultLayout.GpInit.Experiment;

    public override string Id => "E1";

    public override string Title => "E1 gp-init: outputs at initialization (Theorem 1)";

    public override string Shows =>
        "Empirical same- and cross-member output covariance of embedded-ensemble MLPs at initialization, against the analytic NNGP, as width grows. " +
        "With U1 = 0 (random-sign modulations) members should be independent Gaussian processes (cross correlation 0); with U1 ≠ 0 they are positively correlated. " +
        "The excess kurtosis of a member's output measures the distance to a Gaussian and should shrink with width.";

    public override IReadOnlyList<string> RowColumns =>
    [
        Setting, Column.Regime, Width, Column.SameCovEmp, Column.SameCovSe, Column.SameCovTheory, Column.CrossCovEmp, Column.CrossCovSe, Column.CrossCovTheory,
        Column.CrossCorrEmp, Column.CrossCorrSe, Column.CrossCorrTheory, Column.ExcessKurtosis, Column.ExcessKurtosisSe,
    ];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new EqualsRule("E1.1", "With U1 = 0 members are independent at initialization: cross-member output correlation is 0", "Theorem 1.2",
            "mean cross_corr_emp over regime independent (U1 = 0) rows at the largest width; SE = sqrt(Σ cross_corr_se²)/n", 0, 3, 0.1,
            r => AtLargestWidth(r, row => RegimeColumn.Is(row, RegimeValue.Independent), Column.CrossCorrEmp, Column.CrossCorrSe)),
        new PositiveRule("E1.2", "With U1 ≠ 0 members are positively correlated at initialization", "Theorem 1.3",
            "mean cross_corr_emp over regime collective (U1 ≠ 0) rows at the largest width; SE = sqrt(Σ cross_corr_se²)/n", 2,
            r => AtLargestWidth(r, row => RegimeColumn.Is(row, RegimeValue.Collective), Column.CrossCorrEmp, Column.CrossCorrSe)),
        new EqualsRule("E1.3", "Same-member output covariance converges to the analytic NNGP", "Theorem 1 (NNGP recursion)",
            "mean relative deviation (same_cov_emp − same_cov_theory)/same_cov_theory over all rows at the largest width; SE from same_cov_se", 0, 3, 0.1,
            RelativeSameCov),
        new PositiveRule("E1.4", "Outputs become Gaussian as width grows: |excess kurtosis| shrinks", "Theorem 1.1",
            "mean |excess_kurtosis| at the smallest width minus at the largest width; SEs from excess_kurtosis_se combined in quadrature", 2,
            KurtosisDrop),
    ];

    public override IEnumerable<FigureSpec> Figures(ExperimentResults results)
    {
        var rows = results.Rows.Rows;
        var fig = new FigureSpec
        {
            Id = "e1-gp-init",
            Caption = "E1 gp-init. Output covariance and correlation at initialization against width, one colour per setting; markers are the Monte Carlo means (error bars ±1 SE), dashed lines the analytic NNGP values. Bottom right: excess kurtosis of a member's output (0 for a Gaussian).",
        };
        fig.Panels.Add(Panel(rows, "(a) same-member covariance", Column.SameCovEmp, Column.SameCovSe, Column.SameCovTheory, "Σ_same"));
        fig.Panels.Add(Panel(rows, "(b) cross-member covariance", Column.CrossCovEmp, Column.CrossCovSe, Column.CrossCovTheory, "Σ_cross"));
        fig.Panels.Add(Panel(rows, "(c) cross-member correlation", Column.CrossCorrEmp, Column.CrossCorrSe, Column.CrossCorrTheory, "correlation"));
        var kurt = new PanelSpec { Title = "(d) excess kurtosis of f_a(x)", XLabel = "width N", YLabel = "excess kurtosis", LogX = true };
        foreach (var s in Data.Distinct(rows, Setting))
        {
            kurt.Series.Add(Data.Series(s, Data.ByLevel(rows.Where(r => r.S(Setting) == s), Width, Column.ExcessKurtosis, Column.ExcessKurtosisSe)));
        }

        kurt.Lines.Add(new RefLine(0, "Gaussian"));
        fig.Panels.Add(kurt);
        yield return fig;
    }

    private static PanelSpec Panel(IReadOnlyList<CsvRow> rows, string title, string emp, string se, string theory, string ylabel)
    {
        var p = new PanelSpec { Title = title, XLabel = "width N", YLabel = ylabel, LogX = true };
        foreach (var s in Data.Distinct(rows, Setting))
        {
            var sub = rows.Where(r => r.S(Setting) == s).ToList();
            p.Series.Add(Data.Series(s, Data.ByLevel(sub, Width, emp, se)));
            p.Series.Add(Data.Series("", Data.ByLevel(sub, Width, theory), SeriesStyle.Theory, s));
        }

        return p;
    }

    private static StatOutcome AtLargestWidth(ExperimentResults r, Func<CsvRow, bool> filter, string column, string se)
    {
        var rows = r.Rows.Rows.Where(filter).ToList();
        if (rows.Count == 0)
        {
            return StatOutcome.Missing("no rows match the filter");
        }

        var w = Data.Levels(rows, Width).Last();
        var at = rows.Where(x => x.D(Width) == w).ToList();
        return StatOutcome.Of(Data.Mean(at, column, se), $"width {Data.Num(w)}, settings {string.Join(", ", Data.Distinct(at, Setting))}");
    }

    private static StatOutcome RelativeSameCov(ExperimentResults r)
    {
        var rows = r.Rows.Rows;
        var w = Data.Levels(rows, Width).LastOrDefault(double.NaN);
        var at = rows.Where(x => x.D(Width) == w && Math.Abs(x.D(Column.SameCovTheory)) > 0).ToList();
        if (at.Count == 0)
        {
            return StatOutcome.Missing("no rows with a non-zero theory value");
        }

        var m = Stat.MeanOfMeasured(at.Select(x =>
            ((x.D(Column.SameCovEmp) - x.D(Column.SameCovTheory)) / x.D(Column.SameCovTheory), x.D(Column.SameCovSe) / Math.Abs(x.D(Column.SameCovTheory)))));
        return StatOutcome.Of(m, $"width {Data.Num(w)}");
    }

    private static StatOutcome KurtosisDrop(ExperimentResults r)
    {
        var rows = r.Rows.Rows;
        var levels = Data.Levels(rows, Width);
        if (levels.Count < 2)
        {
            return StatOutcome.Missing("fewer than two widths");
        }

        var small = Data.Mean(rows.Where(x => x.D(Width) == levels[0]), Column.ExcessKurtosis, Column.ExcessKurtosisSe, Math.Abs);
        var large = Data.Mean(rows.Where(x => x.D(Width) == levels[^1]), Column.ExcessKurtosis, Column.ExcessKurtosisSe, Math.Abs);
        return StatOutcome.Of(small - large, $"widths {Data.Num(levels[0])} vs {Data.Num(levels[^1])}");
    }
}
