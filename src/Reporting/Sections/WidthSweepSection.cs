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
    private const string EnsAcc = Column.EnsTestAcc, MemAcc = Column.MemberTestAcc, MemTrain = Column.MemberTrainAcc;

    /// <summary>The family whose ensemble gain claim E4.1 tests.</summary>
    public const string MainFamily = "batch-ensemble";

    public override string Experiment => ResultLayout.WidthSweep.Experiment;

    public override string Id => "E4";

    public override string Title => "E4 width-sweep: accuracy against ensemble size and width";

    public override string Shows =>
        "BatchEnsemble in the independent regime and independent ensembles (IE) at width multipliers of a base width, for ensemble sizes M from 1 to 16: " +
        "ensemble test accuracy, mean member test accuracy and mean member train accuracy, one curve per width (panels a-c of the paper's figure). " +
        "One figure per task and architecture; the claims use the first task in cell order.";

    public override IReadOnlyList<string> RowColumns => [Task, Architecture, Family, WidthMult, Column.Width, Members, Column.Params, EnsAcc, MemAcc, MemTrain];

    public override IReadOnlyList<ClaimRule> Claims =>
    [
        new PositiveRule("E4.1", $"Ensembling improves test accuracy ({MainFamily}, width multiplier closest to 1)", "Figure panel (a)",
            $"ens_test_acc at the largest M minus at M = 1, family {MainFamily}, width multiplier closest to 1, first task; SE = SD/sqrt(n) over repeats, combined", 2,
            Gain),
        new PositiveRule("E4.2", "The ensemble is more accurate than its average member", "Figure panels (a) vs (b)",
            "mean of ens_test_acc − member_test_acc over the first task's rows with M > 1; SE = SD/sqrt(n) over rows", 2,
            r => StatOutcome.Of(Stat.MeanSe(Data.FirstSetup(r.Rows.Rows).Where(x => x.D(Members) > 1).Select(x => x.D(EnsAcc) - x.D(MemAcc))))),
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
                Caption = $"E4 width-sweep, {setup}. Rows: (a) ensemble test accuracy, (b) mean member test accuracy, (c) mean member train accuracy against ensemble size M (log scale); columns: {string.Join(", ", families)}. One curve per width multiplier; mean ±1 SE over repeats.",
            };
            var metrics = new[] { ("(a) ensemble test acc.", EnsAcc), ("(b) member test acc.", MemAcc), ("(c) member train acc.", MemTrain) };
            foreach (var (title, column) in metrics)
            {
                foreach (var f in families)
                {
                    var p = new PanelSpec { Title = $"{title}, {f}", XLabel = "ensemble size M", YLabel = "accuracy", LogX = true };
                    var sub = rows.Where(r => r.S(Family) == f).ToList();
                    foreach (var w in Data.Levels(sub, WidthMult))
                    {
                        p.Series.Add(Data.Series($"width ×{Data.Num(w)}", Data.ByLevel(sub.Where(r => r.D(WidthMult) == w), Members, column)));
                    }

                    fig.Panels.Add(p);
                }
            }

            yield return fig;
        }
    }

    private static StatOutcome Gain(ExperimentResults r)
    {
        var fam = Data.FirstSetup(r.Rows.Rows).Where(x => x.S(Family) == MainFamily).ToList();
        if (fam.Count == 0)
        {
            return StatOutcome.Missing($"no rows of family {MainFamily}");
        }

        var w = Data.Levels(fam, WidthMult).OrderBy(v => Math.Abs(Math.Log(v))).First();
        var at = fam.Where(x => x.D(WidthMult) == w).ToList();
        var ms = Data.Levels(at, Members);
        if (ms.Count < 2 || ms[0] != 1)
        {
            return StatOutcome.Missing("need M = 1 and a larger M");
        }

        var big = Stat.MeanSe(at.Where(x => x.D(Members) == ms[^1]).Select(x => x.D(EnsAcc)));
        var one = Stat.MeanSe(at.Where(x => x.D(Members) == 1).Select(x => x.D(EnsAcc)));
        return StatOutcome.Of(big - one, $"width ×{Data.Num(w)}, M = {Data.Num(ms[^1])} vs 1");
    }
}
