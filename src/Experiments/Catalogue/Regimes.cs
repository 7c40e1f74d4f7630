using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Model;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>E3 `regimes`: training in the independent and collective regimes, the mixed settings, and the U1 transition.</summary>
public static class Regimes
{
    /// <summary>One training run: a regime setting or a point of the U1 sweep.</summary>
    /// <param name="Part">"regime" or "transition".</param>
    /// <param name="Setting">Human name of the setting.</param>
    /// <param name="U1">Mean of u's law.</param>
    /// <param name="Train">The training configuration.</param>
    /// <param name="Repeat">Repeat index.</param>
    public sealed record Cell(string Part, string Setting, double U1, TrainConfig Train, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Part} {Setting} repeat={Repeat}";
        /// <inheritdoc />
        public void Validate() => Train.Validate();
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        "regimes",
        "U1 = 0 with gamma(M) = M gives independent members (diverse, ensemble gain like independent networks); U1 != 0 with gamma(M) = 1 gives correlated, collective members.",
        Grid,
        Run,
        profile => profile == Profile.Paper ? new[] { "mnist" } : Array.Empty<string>());

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        (int repeats, int epochs, int width, double[] u1s) = profile switch
        {
            Profile.Smoke => (2, 2, 32, new[] { 0.0, 1.0 }), // two repeats: Verify's cross-environment test needs an SE
            Profile.Quick => (3, 10, 256, new[] { 0.0, 0.25, 0.5, 0.75, 1.0 }),
            _ => (5, 30, 1024, new[] { 0.0, 0.125, 0.25, 0.5, 0.75, 1.0 }),
        };
        const int members = 4;
        TrainConfig Base(EnsembleFamily family, string u, string v, string gamma) => new(
            Architecture.Mlp, family, u, v, gamma, members, width, Depth: 2, Parameterization.Ntk, MuW: 0.5, MuU: 0.5, Momentum: 0.9,
            epochs, BatchSize: 64,
            profile == Profile.Paper ? "mnist" : "synthetic",
            profile == Profile.Paper ? null : TaskSource.QuickClassification);
        var settings = new (string Name, double U1, TrainConfig Config)[]
        {
            ("independent (U1=0; gamma=M)", 0, Base(EnsembleFamily.BatchEnsemble, "sign(1)", "sign(1)", "M")),
            ("collective (U1=1; gamma=1)", 1, Base(EnsembleFamily.BatchEnsemble, "gauss(1,0.5)", "gauss(1,0.5)", "1")),
            ("mixed (U1=0; gamma=1)", 0, Base(EnsembleFamily.BatchEnsemble, "sign(1)", "sign(1)", "1")),
            ("mixed (U1=1; gamma=M)", 1, Base(EnsembleFamily.BatchEnsemble, "gauss(1,0.5)", "gauss(1,0.5)", "M")),
            // Independent networks have no modulations: U1 is undefined (NaN), so they count as neither regime.
            ("independent networks", double.NaN, Base(EnsembleFamily.Independent, "const(1)", "const(1)", "M")),
        };
        var cells = new List<Cell>();
        for (int r = 0; r < repeats; r++)
        {
            cells.AddRange(settings.Select(s => new Cell("regime", s.Name, s.U1, s.Config, r)));
            // The transition: u and v ~ gauss(U1, 0.5) at fixed spread and gamma = M throughout, so U1 is the
            // only factor that moves (U1 = 1 is the collective setting's law).
            cells.AddRange(u1s.Select(u1 => new Cell("transition", $"U1={u1:R}", u1,
                Base(EnsembleFamily.BatchEnsemble, $"gauss({u1:R},0.5)", $"gauss({u1:R},0.5)", "M"), r)));
        }
        return cells;
    }

    private static readonly string[] Columns =
    {
        "part", "setting", "u1", "gamma", "members", "ens_test_loss", "member_test_loss", "ens_test_acc",
        "member_test_acc", "disagreement", "correlation", "ensemble_gain",
    };

    private static CellOutput Run(Cell cell, CellContext context)
    {
        using var data = TaskSource.Load(cell.Train, cell.Repeat, context);
        TrainingOutcome outcome = ClassificationTraining.Train(cell.Train, data, context);
        double gamma = EmbeddedEnsembles.Training.GammaRule.Parse(cell.Train.Gamma).Value(cell.Train.Members);
        object[] Prefix() => new object[] { cell.Part, cell.Setting, cell.U1, gamma, cell.Train.Members };
        var epochs = new ResultTable(new[] { "part", "setting", "u1", "gamma", "members", "epoch", "train_loss" }.Concat(Columns.Skip(5)).ToArray());
        foreach (EpochMetrics e in outcome.Epochs)
        {
            epochs.Add(Prefix().Concat(new object[] { e.Epoch, e.TrainLoss }).Concat(Measures(e.Test)).ToArray());
        }
        var rows = new ResultTable(Columns).Add(Prefix().Concat(Measures(outcome.Test)).ToArray());
        return new CellOutput(rows, epochs, outcome.Diverged);
    }

    private static object[] Measures(EmbeddedEnsembles.Metrics.ClassificationMetrics m) => new object[]
    {
        m.Nll, m.MeanMemberNll, m.Accuracy, m.MeanMemberAccuracy, m.Disagreement, m.OutputCorrelation, m.MeanMemberNll - m.Nll,
    };
}
