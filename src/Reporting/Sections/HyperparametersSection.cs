using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E7 hyperparameters: what the regimes depend on.</summary>
public sealed class HyperparametersSection : ExperimentSection
{
    private const string Factor = "factor", Level = "level", Gain = "ensemble_gain", Corr = "correlation";

    /// <summary>The factor and levels claim E7.1 compares (γ(M) = M against γ = 1).</summary>
    public const string GammaFactor = "gamma", GammaIndependent = "M", GammaCollective = "1";

    /// <summary>The factor and level prefixes claim E7.2 compares (a U1 ≠ 0 law, gauss(1, s), against a U1 = 0 law,
    /// sign(c)). Levels are matched by prefix since the CSV contract forbids commas in fields.</summary>
    public const string LawFactor = "law", LawCorrelated = "gauss", LawIndependent = "sign";

    public override string Experiment => "hyperparameters";

    public override string Id => "E7";

    public override string Title => "E7 hyperparameters: what the regimes depend on";

    public override string Shows =>
        "One factor at a time: γ(M) in {1, √M, M}, the μ_u/μ_w ratio, the modulation law and its spread, NTK against standard parameterization. " +
        "For each level: ensemble gain and member correlation after training, mean ±1 SE over repeats.";

    public override IReadOnlyList<string> RowColumns => [Factor, Level, Gain, Corr, "ens_test_acc"];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E7.1", "γ(M) = M gives a larger ensemble gain than γ = 1", "Section 3 (training rule)",
            $"mean ensemble_gain at factor {GammaFactor}, level {GammaIndependent} minus level {GammaCollective}; SE = SD/sqrt(n) over repeats, combined", 2,
            r => Contrast(r, GammaFactor, GammaIndependent, GammaCollective, Gain)),
        new PositiveRule("E7.2", "A modulation law with U1 ≠ 0 makes members more correlated than one with U1 = 0", "Theorems 1.3 / 2.3",
            $"mean correlation at factor {LawFactor}, levels starting '{LawCorrelated}' minus levels starting '{LawIndependent}'; SE = SD/sqrt(n) over repeats, combined", 2,
            r => Contrast(r, LawFactor, LawCorrelated, LawIndependent, Corr, prefix: true)),
    ];

    public override IEnumerable<FigureSpec> Figures(ExperimentResults results)
    {
        var rows = results.Rows.Rows;
        var factors = Data.Distinct(rows, Factor);
        var fig = new FigureSpec
        {
            Id = "e7-hyperparameters",
            PanelWidth = 480,
            PanelHeight = 320,
            Caption = "E7 hyperparameters. Per factor (rows): ensemble gain (left) and member correlation (right) at each level, mean ±1 SE over repeats.",
        };
        foreach (var f in factors)
        {
            var sub = rows.Where(r => r.S(Factor) == f).ToList();
            var levels = Data.Distinct(sub, Level);
            foreach (var (column, label) in new[] { (Gain, "ensemble gain"), (Corr, "member correlation") })
            {
                var p = new PanelSpec { Title = $"{f}: {label}", XLabel = f, YLabel = label };
                var pts = levels.Select((l, i) => ((double)i, Stat.MeanSe(sub.Where(r => r.S(Level) == l).Select(r => r.D(column))))).ToList();
                p.Series.Add(Data.Series("", pts, SeriesStyle.LineMarkers, column));
                p.XTicks.AddRange(levels.Select((l, i) => ((double)i, l)));
                fig.Panels.Add(p);
            }
        }

        yield return fig;
    }

    private static StatOutcome Contrast(ExperimentResults r, string factor, string a, string b, string column, bool prefix = false)
    {
        var rows = r.Rows.Rows.Where(x => x.S(Factor) == factor).ToList();
        if (rows.Count == 0)
        {
            return StatOutcome.Missing($"factor '{factor}' not found (factors: {string.Join(", ", Data.Distinct(r.Rows.Rows, Factor))})");
        }

        bool Is(CsvRow x, string level) => prefix ? x.S(Level).StartsWith(level, StringComparison.Ordinal) : x.S(Level) == level;
        var ra = rows.Where(x => Is(x, a)).ToList();
        var rb = rows.Where(x => Is(x, b)).ToList();
        if (ra.Count == 0 || rb.Count == 0)
        {
            return StatOutcome.Missing($"levels '{a}' and '{b}' of '{factor}' needed (levels: {string.Join(", ", Data.Distinct(rows, Level))})");
        }

        return StatOutcome.Of(Stat.MeanSe(ra.Select(x => x.D(column))) - Stat.MeanSe(rb.Select(x => x.D(column))));
    }
}
