using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>E4 width-sweep: panels (a)-(c) of the seed's figure.</summary>
public sealed class WidthSweepSection : ExperimentSection
{
    private const string Task = Column.Task, Architecture = Column.Architecture, Family = Column.Family, WidthMult = Column.WidthMult, Members = Column.Members;
    private const string EnsAcc = Column.EnsTestAcc, MemAcc = Column.MemberTestAcc, MemTrain = Column.MemberTrainAcc, Params = Column.Params;

    /// <summary>The embedded-ensemble family (BatchEnsemble in the independent regime).</summary>
    public const string MainFamily = "batch-ensemble";

    /// <summary>The reference family: ensembles of independent networks.</summary>
    public const string IndependentFamily = "independent";

    public override string Experiment => ResultLayout.WidthSweep.Experiment;

    public override string Id => "E4";

    public override string Title => "E4 width-sweep: accuracy against ensemble size and width";

    public override string Shows =>
        "BatchEnsemble in the independent regime (BE) and ensembles of independent networks (IE) at width multipliers of a base width, for ensemble sizes M from 1 to the profile's largest (quick 8, paper 16), " +
        "every family trained under the same rule (the same learning rates, until its members' train accuracy plateaus, at most a fixed number of epochs): " +
        "ensemble test accuracy, mean member test accuracy, mean member train accuracy (panels a-c of the paper's figure, one column per family, shared y axis per row) and (d) ensemble test accuracy against parameters. " +
        "Rows also carry the epochs trained, ensemble NLL and ECE, member disagreement and correlation. One figure per task and architecture; the claims, one family at a time, use the first task in cell order.";

    public override IReadOnlyList<string> RowColumns => [Task, Architecture, Family, WidthMult, Members, Params, EnsAcc, MemAcc, MemTrain];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E4.1", $"Ensembling improves test accuracy ({MainFamily}, width multiplier closest to 1)", "Figure panel (a)",
            GainStatistic(MainFamily), 2, r => Gain(r, MainFamily), Margins.SameAccuracy) { Redesign = PairedGain },
        new PositiveRule("E4.2", $"Ensembling improves test accuracy ({IndependentFamily}, width multiplier closest to 1)", "Figure panel (a)",
            GainStatistic(IndependentFamily), 2, r => Gain(r, IndependentFamily), Margins.SameAccuracy) { Redesign = PairedGain },
        new IntervalRule("E4.3", "Independent networks' members do not change with M", "Figure panel (b)",
            $"change of member_test_acc from M = 1 to the largest M, family {IndependentFamily}, first task: the slope of a least-squares fit of member_test_acc on log2 M over every M and every width multiplier (one intercept per width, one common slope) times log2 of the largest M; SE from the residuals; equal within ±{N(Margins.SameAccuracy)}",
            -Margins.SameAccuracy, Margins.SameAccuracy, 2, r => MemberTrend(r, IndependentFamily))
        {
            Redesign = "the statistic was member_test_acc at the largest M minus at M = 1 at one width (two cells); every width and M now inform one slope, and the equality is decided two-sided (TOST) against the margin",
        },
        new PositiveRule("E4.4", $"At the smallest width, {MainFamily} members are less accurate than independent networks' members", "Figure panel (b)",
            $"member_test_acc of {IndependentFamily} minus of {MainFamily} at the smallest width multiplier and the largest M, first task; SE = SD/sqrt(n) over repeats, combined", 2,
            r => Between(r, Width.Smallest), Margins.SameAccuracy) { Redesign = SmallestEffect },
        new IntervalRule("E4.5", $"At the largest width, {MainFamily} members are as accurate as independent networks' members", "Figure panel (b)",
            $"member_test_acc of {IndependentFamily} minus of {MainFamily} at the largest width multiplier and the largest M, first task; SE = SD/sqrt(n) over repeats, combined; equal within ±{N(Margins.SameAccuracy)}",
            -Margins.SameAccuracy, Margins.SameAccuracy, 2, r => Between(r, Width.Largest))
        {
            Redesign = "the equality is decided like two one-sided tests (TOST) against the margin: it holds when value ± 2 SE lies inside (before: the estimate inside and SE ≤ 0.005)",
        },
    ];

    private static string N(double v) => Measurement.Num(v);

    private const string PairedGain =
        "the statistic was ens_test_acc at the largest M minus at M = 1, two separately trained cells, whose spread is larger than the gain; ensembling improving on its members is a within-ensemble statement, so it is now paired; a gain shown below the margin now counts as none";

    /// <summary>Shared with E5: a positive accuracy effect shown to be smaller than the margin counts as none.</summary>
    public const string SmallestEffect = "an effect shown to be below the margin for equal accuracies now counts as none (before, only the opposite effect refuted the claim)";

    private static string GainStatistic(string family) =>
        $"ens_test_acc − member_test_acc of the same trained ensemble (one test set), family {family}, width multiplier closest to 1, largest M, first task: mean over repeats, SE = SD/sqrt(n)";

    public override IEnumerable<FigureSpec> Figures(ExperimentResults results)
    {
        var setups = Data.Setups(results.Rows.Rows);
        foreach (var setup in setups)
        {
            var rows = Data.OfSetup(results.Rows.Rows, setup);
            var families = Data.Distinct(rows, Family);
            var fig = new FigureSpec
            {
                Id = setups.Count == 1 ? "e4-width-sweep" : "e4-width-sweep-" + setup.Replace(' ', '-'),
                Columns = Math.Max(1, families.Count),
                PanelWidth = 500,
                PanelHeight = 360,
                Caption = $"E4 width-sweep, {setup}. Rows: (a) ensemble test accuracy, (b) mean member test accuracy, (c) mean member train accuracy against ensemble size M (log scale), " +
                          $"columns: {string.Join(", ", families)}, one y axis per row; (d) ensemble test accuracy against parameters, one panel per family on one y axis. One curve per width multiplier; mean ±1 SE over repeats.",
            };
            var metrics = new[] { ("(a) ensemble test acc.", EnsAcc), ("(b) member test acc.", MemAcc), ("(c) member train acc.", MemTrain) };
            foreach (var (title, column) in metrics)
            {
                var row = new List<PanelSpec>();
                foreach (var f in families)
                {
                    var p = new PanelSpec { Title = $"{title}, {f}", XLabel = "ensemble size M", YLabel = "accuracy", LogX = true };
                    var sub = rows.Where(r => r.S(Family) == f).ToList();
                    foreach (var w in Data.Levels(sub, WidthMult))
                    {
                        p.Series.Add(Data.Series($"width ×{Data.Num(w)}", Data.ByLevel(sub.Where(r => r.D(WidthMult) == w), Members, column)));
                    }

                    row.Add(p);
                }

                PanelSpec.ShareY(row);
                fig.Panels.AddRange(row);
            }

            var scatter = new List<PanelSpec>();
            foreach (var f in families)
            {
                var p = new PanelSpec { Title = $"(d) ensemble test acc. vs parameters, {f}", XLabel = "parameters", YLabel = "accuracy", LogX = true };
                var sub = rows.Where(r => r.S(Family) == f).ToList();
                foreach (var m in Data.Levels(sub, Members))
                {
                    p.Series.Add(Data.Series($"M = {Data.Num(m)}", Data.ByLevel(sub.Where(r => r.D(Members) == m), Params, EnsAcc)));
                }

                scatter.Add(p);
            }

            PanelSpec.ShareY(scatter);
            fig.Panels.AddRange(scatter);
            yield return fig;
        }
    }

    private enum Width
    {
        Smallest,
        Middle,
        Largest,
    }

    private static double Pick(IReadOnlyList<double> multipliers, Width which) => which switch
    {
        Width.Smallest => multipliers[0],
        Width.Largest => multipliers[^1],
        _ => multipliers.OrderBy(v => Math.Abs(Math.Log(v))).First(),
    };

    /// <summary>
    /// The ensemble's accuracy minus its own members' mean accuracy, per trained ensemble at the largest M (width
    /// multiplier closest to 1): paired on one network's members and one test set, so the spread between separately
    /// trained cells, which is larger than the gain, cancels.
    /// </summary>
    private static StatOutcome Gain(ExperimentResults r, string family)
    {
        var fam = Data.FirstSetup(r.Rows.Rows).Where(x => x.S(Family) == family).ToList();
        if (fam.Count == 0)
        {
            return StatOutcome.Missing($"no rows of family {family}");
        }

        var w = Pick(Data.Levels(fam, WidthMult), Width.Middle);
        var at = fam.Where(x => x.D(WidthMult) == w).ToList();
        var m = Data.Levels(at, Members)[^1];
        if (m < 2)
        {
            return StatOutcome.Missing("need an ensemble (M ≥ 2)");
        }

        return StatOutcome.Of(Stat.MeanSe(at.Where(x => x.D(Members) == m).Select(x => x.D(EnsAcc) - x.D(MemAcc))), $"width ×{Data.Num(w)}, M = {Data.Num(m)}");
    }

    /// <summary>The change of mean member test accuracy from M = 1 to the largest M, from one slope on log2 M fitted over every
    /// width and M (each width its own intercept): every cell informs it, not just the two ends at one width.</summary>
    private static StatOutcome MemberTrend(ExperimentResults r, string family)
    {
        var fam = Data.FirstSetup(r.Rows.Rows).Where(x => x.S(Family) == family).ToList();
        var ms = Data.Levels(fam, Members);
        if (ms.Count < 2 || ms[0] != 1)
        {
            return StatOutcome.Missing($"need M = 1 and a larger M of family {family}");
        }

        var slope = Stat.PooledSlope(fam.Select(x => (x.S(WidthMult), Math.Log2(x.D(Members)), x.D(MemAcc))));
        var span = Math.Log2(ms[^1]);
        return StatOutcome.Of(new Measurement(slope.Value * span, slope.Uncertainty * span, slope.N),
            $"M = 1 to {Data.Num(ms[^1])}, {Data.Levels(fam, WidthMult).Count} widths, {slope.N} rows, {fam.Select(x => (x.D(WidthMult), x.D(Members))).Distinct().Count()} per repeat; slope {N(slope.Value)} ± {N(slope.Uncertainty)} per doubling of M");
    }

    /// <summary>Independent networks' mean member accuracy minus BatchEnsemble's, at one width and the largest M.</summary>
    private static StatOutcome Between(ExperimentResults r, Width which)
    {
        var rows = Data.FirstSetup(r.Rows.Rows);
        var be = rows.Where(x => x.S(Family) == MainFamily).ToList();
        var ie = rows.Where(x => x.S(Family) == IndependentFamily).ToList();
        if (be.Count == 0 || ie.Count == 0)
        {
            return StatOutcome.Missing($"need rows of {MainFamily} and {IndependentFamily}");
        }

        var w = Pick(Data.Levels(be, WidthMult).Intersect(Data.Levels(ie, WidthMult)).Order().ToList(), which);
        var m = Data.Levels(be.Where(x => x.D(WidthMult) == w), Members).Intersect(Data.Levels(ie.Where(x => x.D(WidthMult) == w), Members)).Max();
        Measurement At(List<CsvRow> fam) => Stat.MeanSe(fam.Where(x => x.D(WidthMult) == w && x.D(Members) == m).Select(x => x.D(MemAcc)));
        return StatOutcome.Of(At(ie) - At(be), $"width ×{Data.Num(w)}, M = {Data.Num(m)}");
    }
}
