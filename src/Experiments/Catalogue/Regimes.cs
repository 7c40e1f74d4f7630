using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>E3 `regimes`: training in the independent and collective regimes, the mixed settings, and the U1 transition.</summary>
public static class Regimes
{
    /// <summary>One training run: a regime setting or a point of the U1 sweep.</summary>
    /// <param name="Part">"regime" or "transition".</param>
    /// <param name="Setting">Human name of the setting.</param>
    /// <param name="Train">The training configuration (its laws and gamma give U1 and the regime).</param>
    /// <param name="Repeat">Repeat index.</param>
    public sealed record Cell(string Part, string Setting, TrainConfig Train, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Part} {Setting} repeat={Repeat}";
        /// <inheritdoc />
        public void Validate() => Train.Validate();
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        ResultLayout.Regimes.Experiment,
        "U1 = 0 with gamma(M) = M gives independent members (diverse, ensemble gain like independent networks); U1 != 0 with gamma(M) = 1 gives correlated, collective members.",
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
        (int repeats, int epochs, int width, double[] u1s) = profile switch
        {
            Profile.Smoke => (2, 2, 32, new[] { 0.0, 1.0 }), // two repeats: Verify's cross-environment test needs an SE
            Profile.Quick => (3, 10, 256, new[] { 0.0, 0.5, 1.0 }),
            _ => (5, 30, 1024, new[] { 0.0, 0.125, 0.25, 0.5, 0.75, 1.0 }),
        };
        const int members = 4;
        TrainConfig Base(EnsembleFamily family, ModulationLaw law, GammaRule gamma) => new(
            Architecture.Mlp, family, law, law, gamma, members, width, Depth: 2, Parameterization.Ntk, MuW: 0.5, MuU: 0.5, Momentum: 0.9,
            epochs, BatchSize: 64,
            Task(profile),
            profile == Profile.Smoke ? TaskSource.QuickClassification : null);
        ModulationLaw sign = new SignLaw(1), gauss = new GaussLaw(1, 0.5);
        var settings = new (string Name, TrainConfig Config)[]
        {
            ("independent (U1=0; gamma=M)", Base(EnsembleFamily.BatchEnsemble, sign, GammaRule.M)),
            ("collective (U1=1; gamma=1)", Base(EnsembleFamily.BatchEnsemble, gauss, GammaRule.One)),
            ("mixed (U1=0; gamma=1)", Base(EnsembleFamily.BatchEnsemble, sign, GammaRule.One)),
            ("mixed (U1=1; gamma=M)", Base(EnsembleFamily.BatchEnsemble, gauss, GammaRule.M)),
            // Independent networks have no modulations: U1 is undefined (NaN) and the regime is none.
            ("independent networks", Base(EnsembleFamily.Independent, new ConstLaw(1), GammaRule.M)),
        };
        var cells = new List<Cell>();
        for (int r = 0; r < repeats; r++)
        {
            cells.AddRange(settings.Select(s => new Cell("regime", s.Name, s.Config, r)));
            // The transition: u and v ~ gauss(U1, 0.5) at fixed spread (U1 = 1 is the collective setting's law), swept
            // at gamma = M and at gamma = 1. At gamma = M a larger U1 also raises the ensemble mean's effective learning
            // rate (its kernel Theta_m gains (M - 1) Theta_c, Theta_c growing with U1^2, and the shared gradients are
            // multiplied by M), so that sweep alone mixes member correlation with faster training of the mean; at
            // gamma = 1 that amplification is absent. The gain must fall with U1 at both for correlation to be the cause.
            foreach (GammaRule gamma in new[] { GammaRule.M, GammaRule.One })
            {
                cells.AddRange(u1s.Select(u1 => new Cell("transition", $"U1={u1:R}; gamma={gamma}",
                    Base(EnsembleFamily.BatchEnsemble, new GaussLaw(u1, 0.5), gamma), r)));
            }
        }
        return cells;
    }

    private static CellOutput Run(Cell cell, CellContext context)
    {
        using var data = TaskSource.Load(cell.Train, cell.Repeat, context);
        TrainingOutcome outcome = ClassificationTraining.Train(cell.Train, data, context);
        TrainConfig t = cell.Train;
        object[] Prefix() => new object[] { cell.Part, cell.Setting, t.U1, t.Gamma.Value(t.Members), t.Members, Regime.Name(t.Regime) };
        var epochs = new ResultTable(ResultLayout.Regimes.Epochs);
        foreach (EpochMetrics e in outcome.Epochs)
        {
            epochs.Add(Prefix().Concat(new object[] { e.Epoch, e.TrainLoss }).Concat(Measures(e.Test)).ToArray());
        }
        var rows = new ResultTable(ResultLayout.Regimes.Rows).Add(Prefix().Concat(Measures(outcome.Test)).ToArray());
        return new CellOutput(rows, epochs, outcome.Diverged);
    }

    private static object[] Measures(EmbeddedEnsembles.Metrics.ClassificationMetrics m) => new object[]
    {
        m.Nll, m.MeanMemberNll, m.Accuracy, m.MeanMemberAccuracy, m.Disagreement, m.OutputCorrelation, m.MeanMemberNll - m.Nll,
    };
}
