using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E7 hyperparameters: what the regimes depend on.</summary>
public sealed class HyperparametersSection : ExperimentSection
{
    private const string Factor = Column.Factor, Level = Column.Level, Gain = Column.EnsembleGain, Corr = Column.Correlation;

    /// <summary>The factor and levels claim E7.1 compares (γ(M) = M against γ = 1).</summary>
    public const string GammaFactor = "gamma", GammaIndependent = "M", GammaCollective = "1";

    /// <summary>The factor claim E7.2 reads: its levels are laws at γ = M, so a U1 ≠ 0 law is regime mixed and a U1 = 0 law
    /// regime independent.</summary>
    public const string LawFactor = "law";

    public override string Experiment => ResultLayout.Hyperparameters.Experiment;

    public override string Id => "E7";

    public override string Title => "E7 hyperparameters: what the regimes depend on";

    public override string Shows =>
        "One factor at a time: γ(M) in {1, √M, M}, the μ_u/μ_w ratio, the modulation law and its spread, NTK against standard parameterization. " +
        "For each level: ensemble gain and member correlation after training, mean ±1 SE over repeats.";

    public override IReadOnlyList<string> RowColumns => [Factor, Level, Column.Regime, Gain, Corr, Column.EnsTestAcc];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E7.1", "γ(M) = M gives a larger ensemble gain than γ = 1", "Section 3 (training rule)",
            $"mean ensemble_gain at factor {GammaFactor}, level {GammaIndependent} minus level {GammaCollective}; SE = SD/sqrt(n) over repeats, combined", 2,
            r => Contrast(r, GammaFactor, Level, GammaIndependent, GammaCollective, Gain)),
        new PositiveRule("E7.2", "A modulation law with U1 ≠ 0 makes members more correlated than one with U1 = 0", "Theorems 1.3 / 2.3",
            $"mean correlation at factor {LawFactor}, rows of regime {RegimeValue.Mixed} (U1 ≠ 0 at γ = M) minus rows of regime {RegimeValue.Independent} (U1 = 0); SE = SD/sqrt(n) over repeats, combined", 2,
            r => Contrast(r, LawFactor, Column.Regime, RegimeValue.Mixed, RegimeValue.Independent, Corr)),
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

    /// <summary>Within one factor: the mean of <paramref name="column"/> over rows whose <paramref name="by"/> is <paramref name="a"/>
    /// minus over rows whose <paramref name="by"/> is <paramref name="b"/>.</summary>
    private static StatOutcome Contrast(ExperimentResults r, string factor, string by, string a, string b, string column)
    {
        var rows = r.Rows.Rows.Where(x => x.S(Factor) == factor).ToList();
        if (rows.Count == 0)
        {
            return StatOutcome.Missing($"factor '{factor}' not found (factors: {string.Join(", ", Data.Distinct(r.Rows.Rows, Factor))})");
        }

        var ra = rows.Where(x => x.S(by) == a).ToList();
        var rb = rows.Where(x => x.S(by) == b).ToList();
        if (ra.Count == 0 || rb.Count == 0)
        {
            return StatOutcome.Missing($"{by} '{a}' and '{b}' of '{factor}' needed (found: {string.Join(", ", Data.Distinct(rows, by))})");
        }

        return StatOutcome.Of(Stat.MeanSe(ra.Select(x => x.D(column))) - Stat.MeanSe(rb.Select(x => x.D(column))));
    }
}
