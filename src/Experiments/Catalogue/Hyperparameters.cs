using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>E7 `hyperparameters`: what the regimes depend on: gamma(M), the mu_u/mu_w ratio, the law's spread, the parameterization.</summary>
public static class Hyperparameters
{
    /// <summary>One level of one factor, all else at the independent-regime baseline.</summary>
    /// <param name="Factor">gamma, mu-ratio, spread or parameterization.</param>
    /// <param name="Level">The factor's value, as text (laws written with ';' between arguments: CSV fields hold no commas).</param>
    /// <param name="Train">The training configuration.</param>
    /// <param name="Repeat">Repeat index.</param>
    public sealed record Cell(string Factor, string Level, TrainConfig Train, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Factor}={Level} repeat={Repeat}";
        /// <inheritdoc />
        public void Validate() => Train.Validate();
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        ResultLayout.Hyperparameters.Experiment,
        "The regime is set by the modulations' mean and the gamma(M) scaling of shared gradients; the mu ratio, the spread and the parameterization move ensemble gain and member correlation only within a regime.",
        Grid,
        Run,
        profile => profile == Profile.Smoke ? Array.Empty<string>() : new[] { Task(profile) });

    // MNIST in the paper profile, the committed Fashion-MNIST subset in the quick one, the synthetic task for smoke tests.
    private static string Task(Profile profile) => profile switch
    {
        Profile.Paper => "mnist",
        Profile.Quick => TaskSource.QuickImageTask,
        _ => "synthetic",
    };

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        (int repeats, int epochs, int width) = profile switch
        {
            Profile.Smoke => (1, 1, 32),
            Profile.Quick => (2, 10, 256),
            _ => (3, 30, 1024),
        };
        const int members = 4;
        TrainConfig baseline = new(Architecture.Mlp, EnsembleFamily.BatchEnsemble, new SignLaw(1), new SignLaw(1), GammaRule.M, members, width, Depth: 2,
            Parameterization.Ntk, MuW: 0.5, MuU: 0.5, Momentum: 0.9, epochs, BatchSize: 64,
            Task(profile),
            profile == Profile.Smoke ? TaskSource.QuickClassification : null);
        TrainConfig Laws(ModulationLaw law) => baseline with { ULaw = law, VLaw = law };
        var levels = new List<(string Factor, string Level, TrainConfig Config)>
        {
            ("gamma", "1", baseline with { Gamma = GammaRule.One }),
            ("gamma", "sqrt(M)", baseline with { Gamma = GammaRule.SqrtM }),
            ("gamma", "M", baseline),
            ("mu-ratio", "0.1", baseline with { MuU = 0.05 }),
            ("mu-ratio", "1", baseline),
            ("mu-ratio", "10", baseline with { MuU = 5 }),
            ("law", "sign(1)", baseline),
            ("law", "gauss(1;0.5)", Laws(new GaussLaw(1, 0.5))),
            ("spread", "gauss(0;0.25)", Laws(new GaussLaw(0, 0.25))),
            ("spread", "gauss(0;0.5)", Laws(new GaussLaw(0, 0.5))),
            ("spread", "gauss(0;1)", Laws(new GaussLaw(0, 1))),
            ("parameterization", "ntk", baseline),
            ("parameterization", "standard", baseline with { Parameterization = Parameterization.Standard, MuW = 0.05, MuU = 0.05 }),
        };
        if (profile == Profile.Smoke)
        {
            levels = levels.Where(l => l.Factor == "gamma").ToList();
        }
        return Enumerable.Range(0, repeats).SelectMany(r => levels.Select(l => new Cell(l.Factor, l.Level, l.Config, r))).ToList();
    }

    private static CellOutput Run(Cell cell, CellContext context)
    {
        using var data = TaskSource.Load(cell.Train, cell.Repeat, context);
        TrainingOutcome outcome = ClassificationTraining.Train(cell.Train, data, context, everyEpoch: false);
        var rows = new ResultTable(ResultLayout.Hyperparameters.Rows)
            .Add(cell.Factor, cell.Level, cell.Train.U1, Regime.Name(cell.Train.Regime), outcome.Test.MeanMemberNll - outcome.Test.Nll,
                 outcome.Test.OutputCorrelation, outcome.Test.Accuracy);
        return new CellOutput(rows, Diverged: outcome.Diverged);
    }
}
