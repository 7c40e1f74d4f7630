using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

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
        public string Label => $"{Train.Task} {Family} width={Train.Width} M={Train.Members} repeat={Repeat}";
        /// <inheritdoc />
        public void Validate() => Train.Validate();
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        ResultLayout.WidthSweep.Experiment,
        "In the independent regime a BatchEnsemble gains accuracy with M like an ensemble of independent networks, while its members' own accuracy tracks their width.",
        Grid,
        Run,
        Datasets);

    /// <summary>The real data sets of a profile's setups (E4 and E5 need the same ones).</summary>
    public static IReadOnlyList<string> Datasets(Profile profile) =>
        Setups(profile).Select(s => s.Task).Where(t => t != "synthetic").Distinct().ToArray();

    /// <summary>A task and the network trained on it: E4 and E5 run their grids once per setup of the profile.</summary>
    /// <param name="Architecture">mlp or cnn.</param>
    /// <param name="Task">"synthetic" or a data set name.</param>
    /// <param name="BaseWidth">The width that multiplier 1 stands for (a CNN's first-stage channels).</param>
    /// <param name="SingleWidths">The widths of E5's single networks.</param>
    public sealed record Setup(Architecture Architecture, string Task, int BaseWidth, int[] SingleWidths);

    /// <summary>
    /// The setups of a profile: the quick and smoke profiles train MLPs on the synthetic task; the paper profile
    /// trains MLPs on Fashion-MNIST and the ensemble CNN on CIFAR-10 (stages of W, 2W, 4W channels; base W = 8, so the
    /// widest E4 cell, 32 channels at M = 16, costs about 0.24 TFLOP per step, where base 16 made it 0.9 and E4 alone
    /// about 350 of the profile's 390 PFLOP).
    /// </summary>
    public static IReadOnlyList<Setup> Setups(Profile profile) => profile switch
    {
        Profile.Smoke => new[] { new Setup(Architecture.Mlp, "synthetic", 32, new[] { 16, 32 }) },
        Profile.Quick => new[] { new Setup(Architecture.Mlp, TaskSource.QuickImageTask, 128, new[] { 16, 32, 64, 128, 256, 512 }) },
        _ => new[]
        {
            new Setup(Architecture.Mlp, "fashion-mnist", 512, new[] { 64, 128, 256, 512, 1024, 2048, 4096 }),
            new Setup(Architecture.Cnn, "cifar10", 8, new[] { 4, 8, 16, 32, 64 }),
        },
    };

    /// <summary>
    /// The width multipliers, ensemble sizes, repeats, the most epochs and the stopping rule of a profile (the same for
    /// each setup and for E5). The fair protocol: every family (BatchEnsemble, MC-dropout, independent networks, single
    /// networks) gets the same learning rates and the same budget: trained until its members' train accuracy has
    /// plateaued (<see cref="PlateauRule"/>) or the most epochs, whichever comes first.
    /// </summary>
    public static (double[] Multipliers, int[] Members, int Repeats, int Epochs, PlateauRule? Plateau) Scale(Profile profile) => profile switch
    {
        Profile.Smoke => (new[] { 0.5, 1.0 }, new[] { 1, 2 }, 1, 1, null),
        Profile.Quick => (new[] { 0.25, 0.5, 1.0, 2.0 }, new[] { 1, 2, 4, 8 }, 5, 20, PlateauRule.Standard),
        _ => (new[] { 0.25, 0.5, 1.0, 2.0, 4.0 }, new[] { 1, 2, 4, 8, 16 }, 3, 40, PlateauRule.Standard with { ProbeSize = 5000 }),
    };

    /// <summary>The training configuration of one point, shared with E5 so the scatter can combine both.</summary>
    public static TrainConfig Config(Setup setup, EnsembleFamily family, ModulationLaw law, GammaRule gamma, int width, int members, int epochs, PlateauRule? plateau = null) => new(
        setup.Architecture, family, law, law, gamma, members, width, Depth: 2, Parameterization.Ntk, MuW: 0.5, MuU: 0.5, Momentum: 0.9,
        epochs, BatchSize: 64,
        setup.Task,
        setup.Task == "synthetic" ? TaskSource.QuickClassification : null) { Plateau = plateau };

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        var (multipliers, members, repeats, epochs, plateau) = Scale(profile);
        var cells = new List<Cell>();
        foreach (Setup setup in Setups(profile))
        {
            for (int r = 0; r < repeats; r++)
            {
                foreach (double mult in multipliers)
                {
                    int width = (int)Math.Round(setup.BaseWidth * mult);
                    foreach (int m in members)
                    {
                        cells.Add(new Cell("batch-ensemble", mult, Config(setup, EnsembleFamily.BatchEnsemble, new SignLaw(1), GammaRule.M, width, m, epochs, plateau), r));
                        cells.Add(new Cell("independent", mult, Config(setup, EnsembleFamily.Independent, new ConstLaw(1), GammaRule.M, width, m, epochs, plateau), r));
                    }
                }
            }
        }
        return cells;
    }

    private static CellOutput Run(Cell cell, CellContext context)
    {
        using var data = TaskSource.Load(cell.Train, cell.Repeat, context);
        TrainingOutcome outcome = ClassificationTraining.Train(cell.Train, data, context, everyEpoch: false);
        var rows = new ResultTable(ResultLayout.WidthSweep.Rows)
            .Add(cell.Train.Task, ArchitectureName(cell.Train.Architecture), cell.Family, Regime.Name(cell.Train.Regime), cell.WidthMult, cell.Train.Width, cell.Train.Members, outcome.Parameters.Total,
                 outcome.EpochsTrained, outcome.Test.Accuracy, outcome.Test.MeanMemberAccuracy, outcome.Train.MeanMemberAccuracy,
                 outcome.Test.Nll, outcome.Test.Ece, outcome.Test.Disagreement, outcome.Test.OutputCorrelation);
        return new CellOutput(rows, Diverged: outcome.Diverged);
    }

    /// <summary>The architecture as the rows spell it ("mlp", "cnn"), like the configuration JSON.</summary>
    public static string ArchitectureName(Architecture architecture) => architecture.ToString().ToLowerInvariant();
}
