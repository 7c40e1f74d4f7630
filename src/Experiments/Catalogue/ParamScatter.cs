using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>
/// E5 `param-scatter`: accuracy against the number of parameters: single networks over many widths, and
/// M = 4 ensembles of every family (BatchEnsemble in both regimes, MC-dropout, independent networks) at a few
/// widths. Its claims need no other experiment's results; the report's figure also draws E4's runs of the same setup.
/// </summary>
public static class ParamScatter
{
    /// <summary>One training run.</summary>
    /// <param name="Family">single, batch-ensemble, mc-dropout or independent (the regime comes from the laws and gamma).</param>
    /// <param name="Setting">What distinguishes it in the scatter.</param>
    /// <param name="Train">The training configuration.</param>
    /// <param name="Repeat">Repeat index.</param>
    public sealed record Cell(string Family, string Setting, TrainConfig Train, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Train.Task} {Setting} width={Train.Width} M={Train.Members} repeat={Repeat}";
        /// <inheritdoc />
        public void Validate() => Train.Validate();
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        ResultLayout.ParamScatter.Experiment,
        "Per parameter, independent-regime BatchEnsembles reach accuracy that single networks need many more parameters for; collective BE and MC-dropout ensembles gain less.",
        Grid,
        Run,
        WidthSweep.Datasets);

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        var (_, _, repeats, epochs, plateau) = WidthSweep.Scale(profile);
        const int members = 4;
        var cells = new List<Cell>();
        foreach (WidthSweep.Setup setup in WidthSweep.Setups(profile))
        {
            int b = setup.BaseWidth;
            // The quick profile leaves out 2b: those M = 4 cells of four families were a third of its training time.
            int[] ensembleWidths = profile switch
            {
                Profile.Smoke => new[] { b },
                Profile.Quick => new[] { b / 2, b },
                _ => new[] { b / 2, b, b * 2 },
            };
            TrainConfig Config(EnsembleFamily family, ModulationLaw law, GammaRule gamma, int width, int m) => WidthSweep.Config(setup, family, law, gamma, width, m, epochs, plateau);
            for (int r = 0; r < repeats; r++)
            {
                cells.AddRange(setup.SingleWidths.Select(w => new Cell("single", "single network", Config(EnsembleFamily.Independent, new ConstLaw(1), GammaRule.M, w, 1), r)));
                foreach (int w in ensembleWidths)
                {
                    cells.Add(new Cell("batch-ensemble", "BE independent (U1=0; gamma=M)", Config(EnsembleFamily.BatchEnsemble, new SignLaw(1), GammaRule.M, w, members), r));
                    cells.Add(new Cell("batch-ensemble", "BE collective (U1=1; gamma=1)", Config(EnsembleFamily.BatchEnsemble, new GaussLaw(1, 0.5), GammaRule.One, w, members), r));
                    cells.Add(new Cell("mc-dropout", "MC-dropout p=0.5", Config(EnsembleFamily.McDropout, new BernoulliLaw(0.5), GammaRule.One, w, members) with { VLaw = new ConstLaw(1) }, r));
                    cells.Add(new Cell("independent", "independent networks", Config(EnsembleFamily.Independent, new ConstLaw(1), GammaRule.M, w, members), r));
                }
            }
        }
        return cells;
    }

    private static CellOutput Run(Cell cell, CellContext context)
    {
        using var data = TaskSource.Load(cell.Train, cell.Repeat, context);
        TrainingOutcome outcome = ClassificationTraining.Train(cell.Train, data, context, everyEpoch: false);
        var rows = new ResultTable(ResultLayout.ParamScatter.Rows)
            .Add(cell.Train.Task, WidthSweep.ArchitectureName(cell.Train.Architecture), cell.Family, Regime.Name(cell.Train.Regime), cell.Setting, cell.Train.Width, cell.Train.Members, outcome.Parameters.Total,
                 outcome.EpochsTrained, outcome.Test.Accuracy, outcome.Test.MeanMemberAccuracy, outcome.Train.MeanMemberAccuracy);
        return new CellOutput(rows, Diverged: outcome.Diverged);
    }
}
