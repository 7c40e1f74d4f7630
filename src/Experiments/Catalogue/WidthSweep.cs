using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Model;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>E4 `width-sweep`: the seed figure's panels (a)-(c): accuracy against M for several widths, BE (independent regime) and IE.</summary>
public static class WidthSweep
{
    /// <summary>One (family, width multiplier, M, repeat) training run.</summary>
    /// <param name="Family">"batch-ensemble" or "independent".</param>
    /// <param name="WidthMult">Width as a multiple of the profile's base width.</param>
    /// <param name="Train">The training configuration.</param>
    /// <param name="Repeat">Repeat index.</param>
    public sealed record Cell(string Family, double WidthMult, TrainConfig Train, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Family} width={Train.Width} M={Train.Members} repeat={Repeat}";
        /// <inheritdoc />
        public void Validate() => Train.Validate();
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        "width-sweep",
        "In the independent regime a BatchEnsemble gains accuracy with M like an ensemble of independent networks, while its members' own accuracy tracks their width.",
        Grid,
        Run,
        profile => profile == Profile.Paper ? new[] { "fashion-mnist" } : Array.Empty<string>());

    /// <summary>The width multipliers and base width of a profile.</summary>
    public static (double[] Multipliers, int BaseWidth, int[] Members, int Repeats, int Epochs) Scale(Profile profile) => profile switch
    {
        Profile.Smoke => (new[] { 0.5, 1.0 }, 32, new[] { 1, 2 }, 1, 1),
        Profile.Quick => (new[] { 0.25, 0.5, 1.0, 2.0 }, 128, new[] { 1, 2, 4, 8 }, 2, 10),
        _ => (new[] { 0.25, 0.5, 1.0, 2.0, 4.0 }, 512, new[] { 1, 2, 4, 8, 16 }, 3, 30),
    };

    /// <summary>The training configuration of one point, shared with E5 so the scatter can combine both.</summary>
    public static TrainConfig Config(Profile profile, EnsembleFamily family, string law, string gamma, int width, int members, int epochs) => new(
        family, law, law, gamma, members, width, Depth: 2, Parameterization.Ntk, MuW: 0.5, MuU: 0.5, Momentum: 0.9,
        epochs, BatchSize: 64,
        profile == Profile.Paper ? "fashion-mnist" : "synthetic",
        profile == Profile.Paper ? null : TaskSource.QuickClassification);

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        var (multipliers, baseWidth, members, repeats, epochs) = Scale(profile);
        var cells = new List<Cell>();
        for (int r = 0; r < repeats; r++)
        {
            foreach (double mult in multipliers)
            {
                int width = (int)Math.Round(baseWidth * mult);
                foreach (int m in members)
                {
                    cells.Add(new Cell("batch-ensemble", mult, Config(profile, EnsembleFamily.BatchEnsemble, "sign(1)", "M", width, m, epochs), r));
                    cells.Add(new Cell("independent", mult, Config(profile, EnsembleFamily.Independent, "const(1)", "M", width, m, epochs), r));
                }
            }
        }
        return cells;
    }

    private static CellOutput Run(Cell cell, CellContext context)
    {
        using var data = TaskSource.Load(cell.Train, cell.Repeat, context);
        TrainingOutcome outcome = ClassificationTraining.Train(cell.Train, data, context, everyEpoch: false);
        var rows = new ResultTable("family", "width_mult", "width", "members", "params", "ens_test_acc", "member_test_acc", "member_train_acc")
            .Add(cell.Family, cell.WidthMult, cell.Train.Width, cell.Train.Members, outcome.Parameters.Total,
                 outcome.Test.Accuracy, outcome.Test.MeanMemberAccuracy, outcome.Train.MeanMemberAccuracy);
        return new CellOutput(rows, Diverged: outcome.Diverged);
    }
}
