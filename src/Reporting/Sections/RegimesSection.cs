using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E3 regimes: training in the independent and collective regimes, and the U1 transition.</summary>
public sealed class RegimesSection : ExperimentSection
{
    private const string Part = Column.Part, Setting = Column.Setting, U1 = Column.U1, Gamma = Column.Gamma, Members = Column.Members, Epoch = Column.Epoch;
    private const string Gain = Column.EnsembleGain, Corr = Column.Correlation;

    /// <summary>The value of <c>part</c> for the U1 sweep; every other value is a regime run.</summary>
    public const string TransitionPart = "transition";

    public override string Experiment => ResultLayout.Regimes.Experiment;

    public override string Id => "E3";

    public override string Title => "E3 regimes: training in the two regimes and the transition";

    public override string Shows =>
        "BatchEnsemble trained on real images (the quick profile's Fashion-MNIST subset; MNIST in the paper profile) in the independent regime (U1 = 0, γ = M), the collective regime (U1 ≠ 0, γ = 1) and mixed settings, with independent ensembles as reference. " +
        "Ensemble gain (mean member loss minus ensemble loss) and member diversity should be large in the independent regime and small in the collective one; sweeping U1 from 0 to 1, at γ = M and at γ = 1, shows the transition.";

    public override IReadOnlyList<string> RowColumns =>
        [Part, Setting, U1, Gamma, Members, Column.Regime, Column.EnsTestLoss, Column.MemberTestLoss, Column.EnsTestAcc, Column.MemberTestAcc, Column.Disagreement, Corr, Gain];

    public override IReadOnlyList<string> EpochColumns =>
        [Part, Setting, Epoch, Column.TrainLoss, Column.EnsTestLoss, Column.EnsTestAcc, Corr, Gain];

    private static bool IsIndependent(CsvRow r) => RegimeColumn.Is(r, RegimeValue.Independent);

    private static bool IsCollective(CsvRow r) => RegimeColumn.Is(r, RegimeValue.Collective);

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E3.1", "Ensemble gain is larger in the independent regime than in the collective one", "Section 3 (regimes)",
            "mean ensemble_gain over regime independent rows (U1 = 0, γ = M) minus over regime collective rows (U1 ≠ 0, γ = 1), part ≠ transition; SE = SD/sqrt(n) per group, combined", 2,
            r => Contrast(r, Gain, IsIndependent, IsCollective)),
        new PositiveRule("E3.2", "Members are more correlated in the collective regime than in the independent one", "Section 3 (regimes)",
            "mean correlation over collective rows minus over independent rows, part ≠ transition; SE = SD/sqrt(n) per group, combined", 2,
            r => Contrast(r, Corr, IsCollective, IsIndependent)),
        new PositiveRule("E3.3", "Ensemble gain falls as U1 moves from 0 towards 1 (γ = M)", "Theorem 1.3 / 2.3 (transition)",
            "minus the OLS slope of ensemble_gain on U1 over the part = transition rows with γ = M; SE from the residuals. " +
            "At γ = M a larger U1 also speeds up the ensemble mean's training (Θ_m gains (M − 1) Θ_c), hence E3.4", 2,
            r => TransitionSlope(r, gammaIsM: true)),
        new PositiveRule("E3.4", "Ensemble gain falls as U1 moves from 0 towards 1 (γ = 1)", "Theorem 1.3 / 2.3 (transition)",
            "minus the OLS slope of ensemble_gain on U1 over the part = transition rows with γ = 1, where shared gradients are not multiplied by M; SE from the residuals", 2,
            r => TransitionSlope(r, gammaIsM: false)),
    ];

    public override IEnumerable<FigureSpec> Figures(ExperimentResults results)
    {
        var epochs = results.Epochs.Rows.Where(r => r.S(Part) != TransitionPart).ToList();
        if (epochs.Count > 0 && results.Epochs.MissingColumns(EpochColumns).Count == 0)
        {
            var fig = new FigureSpec
            {
                Id = "e3-training",
                Caption = "E3 regimes: training curves per setting (lines: mean over repeats; bands: ±1 SE over repeats). Ensemble test loss, ensemble gain (mean member loss minus ensemble loss), member output correlation and ensemble test accuracy per epoch.",
            };
            fig.Panels.Add(EpochPanel(epochs, "(a) ensemble test loss", Column.EnsTestLoss, "test loss"));
            fig.Panels.Add(EpochPanel(epochs, "(b) ensemble gain", Gain, "member loss − ensemble loss"));
            fig.Panels.Add(EpochPanel(epochs, "(c) member correlation", Corr, "output correlation"));
            fig.Panels.Add(EpochPanel(epochs, "(d) ensemble test accuracy", Column.EnsTestAcc, "accuracy"));
            yield return fig;
        }

        var tr = results.Rows.Rows.Where(r => r.S(Part) == TransitionPart).ToList();
        var t = new FigureSpec
        {
            Id = "e3-transition",
            Caption = "E3 transition: ensemble gain and member correlation after training against U1 (the mean of u's law at fixed spread), at γ = M and at γ = 1, mean ±1 SE over repeats. U1 = 0 with γ = M is the independent regime, U1 = 1 with γ = 1 the collective one.",
        };
        t.Panels.Add(TransitionPanel(tr, "(a) ensemble gain vs U1", Gain, "member loss − ensemble loss"));
        t.Panels.Add(TransitionPanel(tr, "(b) member correlation vs U1", Corr, "output correlation"));
        yield return t;
    }

    private static PanelSpec EpochPanel(IReadOnlyList<CsvRow> rows, string title, string column, string ylabel)
    {
        var p = new PanelSpec { Title = title, XLabel = "epoch", YLabel = ylabel };
        foreach (var s in Data.Distinct(rows, Setting))
        {
            p.Series.Add(Data.Series(s, Data.ByLevel(rows.Where(r => r.S(Setting) == s), Epoch, column), SeriesStyle.LineBand));
        }

        return p;
    }

    private static PanelSpec TransitionPanel(IReadOnlyList<CsvRow> rows, string title, string column, string ylabel)
    {
        var p = new PanelSpec { Title = title, XLabel = "U1 = E u", YLabel = ylabel };
        foreach (var g in Data.Levels(rows, Gamma).OrderDescending())
        {
            var at = rows.Where(x => x.D(Gamma) == g).ToList();
            string label = at.All(x => x.D(Gamma) == x.D(Members)) ? "γ = M" : $"γ = {Data.Num(g)}";
            p.Series.Add(Data.Series(label, Data.ByLevel(at, U1, column)));
        }

        return p;
    }

    private static StatOutcome Contrast(ExperimentResults r, string column, Func<CsvRow, bool> a, Func<CsvRow, bool> b)
    {
        var rows = r.Rows.Rows.Where(x => x.S(Part) != TransitionPart).ToList();
        var ra = rows.Where(a).ToList();
        var rb = rows.Where(b).ToList();
        if (ra.Count == 0 || rb.Count == 0)
        {
            return StatOutcome.Missing($"need rows of both regimes (found {ra.Count} and {rb.Count})");
        }

        return StatOutcome.Of(Stat.MeanSe(ra.Select(x => x.D(column))) - Stat.MeanSe(rb.Select(x => x.D(column))), $"{ra.Count} vs {rb.Count} rows");
    }

    /// <summary>The transition slope at γ = M (<paramref name="gammaIsM"/>) or at γ = 1.</summary>
    private static StatOutcome TransitionSlope(ExperimentResults r, bool gammaIsM)
    {
        var rows = r.Rows.Rows.Where(x => x.S(Part) == TransitionPart && (gammaIsM ? x.D(Gamma) == x.D(Members) : x.D(Gamma) == 1)).ToList();
        var fit = Stat.Fit(rows.Select(x => x.D(U1)).ToList(), rows.Select(x => x.D(Gain)).ToList());
        return double.IsFinite(fit.Slope)
            ? StatOutcome.Of(new Measurement(-fit.Slope, fit.SlopeSe, fit.N), $"{fit.N} transition rows")
            : StatOutcome.Missing($"no transition fit ({rows.Count} rows)");
    }
}
