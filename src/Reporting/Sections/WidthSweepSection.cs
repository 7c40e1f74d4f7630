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

    /// <summary>How far apart two mean accuracies may be and still count as equal (E4.3, E4.5).</summary>
    public const double SameAccuracy = 0.01;

    public override string Experiment => ResultLayout.WidthSweep.Experiment;

    public override string Id => "E4";

    public override string Title => "E4 width-sweep: accuracy against ensemble size and width";

    public override string Shows =>
        "BatchEnsemble in the independent regime (BE) and ensembles of independent networks (IE) at width multipliers of a base width, for ensemble sizes M from 1 to 16, " +
        "every family trained under the same rule (the same learning rates, until its members' train accuracy plateaus, at most a fixed number of epochs): " +
        "ensemble test accuracy, mean member test accuracy, mean member train accuracy (panels a-c of the paper's figure, one column per family, shared y axis per row) and (d) ensemble test accuracy against parameters. " +
        "Rows also carry the epochs trained, ensemble NLL and ECE, member disagreement and correlation. One figure per task and architecture; the claims, one family at a time, use the first task in cell order.";

    public override IReadOnlyList<string> RowColumns => [Task, Architecture, Family, WidthMult, Members, Params, EnsAcc, MemAcc, MemTrain];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E4.1", $"Ensembling improves test accuracy ({MainFamily}, width multiplier closest to 1)", "Figure panel (a)",
            $"ens_test_acc at the largest M minus at M = 1, family {MainFamily}, width multiplier closest to 1, first task; SE = SD/sqrt(n) over repeats, combined", 2,
            r => Change(r, MainFamily, EnsAcc, Width.Middle)),
        new PositiveRule("E4.2", $"Ensembling improves test accuracy ({IndependentFamily}, width multiplier closest to 1)", "Figure panel (a)",
            $"ens_test_acc at the largest M minus at M = 1, family {IndependentFamily}, width multiplier closest to 1, first task; SE = SD/sqrt(n) over repeats, combined", 2,
            r => Change(r, IndependentFamily, EnsAcc, Width.Middle)),
        new IntervalRule("E4.3", "Independent networks' members do not change with M", "Figure panel (b)",
            $"member_test_acc at the largest M minus at M = 1, family {IndependentFamily}, width multiplier closest to 1, first task; SE = SD/sqrt(n) over repeats, combined", -SameAccuracy, SameAccuracy, 2, SameAccuracy / 2,
            r => Change(r, IndependentFamily, MemAcc, Width.Middle)),
        new PositiveRule("E4.4", $"At the smallest width, {MainFamily} members are less accurate than independent networks' members", "Figure panel (b)",
            $"member_test_acc of {IndependentFamily} minus of {MainFamily} at the smallest width multiplier and the largest M, first task; SE = SD/sqrt(n) over repeats, combined", 2,
            r => Between(r, Width.Smallest)),
        new IntervalRule("E4.5", $"At the largest width, {MainFamily} members are as accurate as independent networks' members", "Figure panel (b)",
            $"member_test_acc of {IndependentFamily} minus of {MainFamily} at the largest width multiplier and the largest M, first task; SE = SD/sqrt(n) over repeats, combined", -SameAccuracy, SameAccuracy, 2, SameAccuracy / 2,
            r => Between(r, Width.Largest)),
    ];

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

    /// <summary>A column at the largest M minus at M = 1, for one family at one width multiplier.</summary>
    private static StatOutcome Change(ExperimentResults r, string family, string column, Width which)
    {
        var fam = Data.FirstSetup(r.Rows.Rows).Where(x => x.S(Family) == family).ToList();
        if (fam.Count == 0)
        {
            return StatOutcome.Missing($"no rows of family {family}");
        }

        var w = Pick(Data.Levels(fam, WidthMult), which);
        var at = fam.Where(x => x.D(WidthMult) == w).ToList();
        var ms = Data.Levels(at, Members);
        if (ms.Count < 2 || ms[0] != 1)
        {
            return StatOutcome.Missing("need M = 1 and a larger M");
        }

        var big = Stat.MeanSe(at.Where(x => x.D(Members) == ms[^1]).Select(x => x.D(column)));
        var one = Stat.MeanSe(at.Where(x => x.D(Members) == 1).Select(x => x.D(column)));
        return StatOutcome.Of(big - one, $"width ×{Data.Num(w)}, M = {Data.Num(ms[^1])} vs 1");
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
