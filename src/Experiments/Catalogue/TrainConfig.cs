using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Model;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>
/// Everything that defines one training run of an ensemble MLP on a synthetic or real task: the part of a
/// cell's configuration shared by the training experiments (E3, E4, E5, E7). Plain values, so it hashes.
/// </summary>
/// <param name="Family">batch-ensemble, mc-dropout or independent.</param>
/// <param name="ULaw">Law of u ("sign(1)", "gauss(1,0.5)", "bernoulli(0.5)").</param>
/// <param name="VLaw">Law of v.</param>
/// <param name="Gamma">gamma(M): "1", "M", "sqrt(M)" or a number.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="Width">Hidden width.</param>
/// <param name="Depth">Hidden layers.</param>
/// <param name="Parameterization">ntk or standard.</param>
/// <param name="MuW">Shared-weight learning rate mu_w.</param>
/// <param name="MuU">Modulation learning rate mu_u.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="BatchSize">Mini-batch size (every member sees the same batch).</param>
/// <param name="Task">The task, by name: "synthetic" (then <paramref name="Synthetic"/>) or a real data set.</param>
/// <param name="Synthetic">The synthetic task description, when <paramref name="Task"/> is "synthetic".</param>
public sealed record TrainConfig(
    EnsembleFamily Family,
    string ULaw,
    string VLaw,
    string Gamma,
    int Members,
    int Width,
    int Depth,
    Parameterization Parameterization,
    double MuW,
    double MuU,
    double Momentum,
    int Epochs,
    int BatchSize,
    string Task,
    SyntheticTaskSpec? Synthetic)
{
    /// <summary>The ensemble description for a task with the given input and output sizes.</summary>
    public EnsembleSpec Spec(int inputDim, int outputDim) => new EnsembleSpec
    {
        Family = Family,
        InputDim = inputDim,
        Width = Width,
        Depth = Depth,
        OutputDim = outputDim,
        Members = Members,
        Activation = Activation.Relu,
        ULaw = ModulationLaw.Parse(ULaw),
        VLaw = ModulationLaw.Parse(VLaw),
        Parameterization = Parameterization,
    };

    /// <summary>The training rule (SGD with the two parameter groups).</summary>
    public TrainingRule Rule(LossKind loss) => new(MuW, MuU, GammaRule.Parse(Gamma)) { Momentum = Momentum, Loss = loss };

    /// <summary>Checks every field, so a bad grid fails before any work.</summary>
    public void Validate()
    {
        if (Members < 1) throw new ArgumentException($"ensemble size M must be >= 1, got {Members}");
        if (Width < 1) throw new ArgumentException($"width must be >= 1, got {Width}");
        if (Epochs < 1 || BatchSize < 1) throw new ArgumentException("epochs and batch size must be >= 1");
        if (!(MuW > 0) || !(MuU >= 0)) throw new ArgumentException($"learning rates must be positive (mu_w={MuW}, mu_u={MuU})");
        Spec(Synthetic?.InputDim ?? 1, 2).Validate();
        GammaRule.Parse(Gamma);
        if (Task == "synthetic" && Synthetic is null) throw new ArgumentException("a synthetic task needs its description");
    }
}
