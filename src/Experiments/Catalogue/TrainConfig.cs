using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Training;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>The network a training cell trains.</summary>
public enum Architecture
{
    /// <summary>The fully-connected <see cref="EnsembleMlp"/> on flattened inputs.</summary>
    Mlp,
    /// <summary>The VGG-style <see cref="EnsembleCnn"/> on images [C, H, W].</summary>
    Cnn,
}

/// <summary>
/// The fair training protocol's stopping rule, the same for every family: after each epoch the members' mean
/// accuracy is measured on the first <paramref name="ProbeSize"/> training examples (stratified: examples are
/// interleaved by class); training stops after epoch e once e &gt;= <paramref name="MinEpochs"/> and the mean of the last
/// <paramref name="Window"/> epochs' accuracies exceeds the mean of the <paramref name="Window"/> before them by less than
/// <paramref name="Tolerance"/> (means over windows, so one noisy epoch neither stops nor prolongs training), and at
/// <see cref="TrainConfig.Epochs"/> at the latest.
/// </summary>
public sealed record PlateauRule(int MinEpochs, int Window, double Tolerance, int ProbeSize)
{
    /// <summary>The rule of the family comparisons (E4, E5): windows of 3 epochs gaining less than 0.005, at least 6 epochs, on 1,000 training examples.</summary>
    public static PlateauRule Standard { get; } = new(MinEpochs: 6, Window: 3, Tolerance: 0.005, ProbeSize: 1000);

    /// <summary>Whether training stops after the latest epoch, given the probe accuracy after each epoch so far.</summary>
    public bool Stops(IReadOnlyList<double> accuracyPerEpoch)
    {
        int n = accuracyPerEpoch.Count;
        if (n < MinEpochs)
        {
            return false;
        }
        double last = Enumerable.Range(n - Window, Window).Average(i => accuracyPerEpoch[i]);
        double before = Enumerable.Range(n - (2 * Window), Window).Average(i => accuracyPerEpoch[i]);
        return last - before < Tolerance;
    }

    /// <summary>Checks the rule against the configuration's epoch budget.</summary>
    public void Validate(int maxEpochs)
    {
        if (Window < 1 || MinEpochs < 2 * Window || MinEpochs > maxEpochs || !(Tolerance > 0) || ProbeSize < 1)
        {
            throw new ArgumentException($"plateau rule needs 1 <= window, 2 windows <= min epochs <= epochs ({maxEpochs}), a positive tolerance and probe size, got {this}");
        }
    }
}

/// <summary>
/// Everything that defines one training run of an ensemble MLP or CNN on a synthetic or real task: the part of a
/// cell's configuration shared by the training experiments (E3, E4, E5, E7). Plain values, so it hashes.
/// </summary>
/// <param name="Architecture">mlp or cnn (cnn needs an image data set).</param>
/// <param name="Family">batch-ensemble, mc-dropout or independent.</param>
/// <param name="ULaw">Law of u (sign(1), gauss(1,0.5), bernoulli(0.5); written in that text form).</param>
/// <param name="VLaw">Law of v.</param>
/// <param name="Gamma">gamma(M): 1, M, sqrt(M) or a number.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="Width">mlp: hidden width. cnn: channels of the first stage; each later stage doubles them (W, 2W, 4W).</param>
/// <param name="Depth">mlp: hidden layers. cnn: 3x3 convolutions per stage.</param>
/// <param name="Parameterization">ntk or standard.</param>
/// <param name="MuW">Shared-weight learning rate mu_w.</param>
/// <param name="MuU">Modulation learning rate mu_u.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="BatchSize">Mini-batch size (every member sees the same batch).</param>
/// <param name="Task">The task, by name: "synthetic" (then <paramref name="Synthetic"/>) or a real data set.</param>
/// <param name="Synthetic">The synthetic task description, when <paramref name="Task"/> is "synthetic".</param>
public sealed record TrainConfig(
    Architecture Architecture,
    EnsembleFamily Family,
    ModulationLaw ULaw,
    ModulationLaw VLaw,
    GammaRule Gamma,
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
    /// <summary>
    /// Stop before <see cref="Epochs"/> once the members' train accuracy has plateaued (null: train exactly
    /// <see cref="Epochs"/> epochs). Left out of the configuration's JSON when null, so fixed-epoch cells keep their hashes.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public PlateauRule? Plateau { get; init; }

    /// <summary>Base channels of a CNN's first stage (<see cref="CnnSpec.StageChannels"/> starts with it), so Width / 16 is the width multiplier.</summary>
    public const int CnnBaseChannels = 16;

    /// <summary>
    /// The one way to build the model a configuration trains: an <see cref="EnsembleMlp"/> for inputs [d] or an
    /// <see cref="EnsembleCnn"/> for images [C, H, W] (the shape of one example, see <see cref="TaskSource.Shape"/>).
    /// </summary>
    public IEnsembleModel BuildModel(IReadOnlyList<long> inputShape, int classes, long seed, Device? device = null) => Architecture switch
    {
        Architecture.Mlp => new EnsembleMlp(MlpSpec(inputShape, classes), seed, device: device),
        _ => new EnsembleCnn(CnnSpec(inputShape, classes), seed, device: device),
    };

    /// <summary>The MLP description for inputs of shape [d].</summary>
    public MlpSpec MlpSpec(IReadOnlyList<long> inputShape, int classes)
    {
        Require(Architecture == Architecture.Mlp, "an MLP description of a cnn configuration");
        Require(inputShape.Count == 1, $"an MLP takes flat inputs [d], got [{string.Join(", ", inputShape)}]");
        return new MlpSpec
        {
            Family = Family,
            InputDim = (int)inputShape[0],
            Width = Width,
            Depth = Depth,
            OutputDim = classes,
            Members = Members,
            Activation = Activation.Relu,
            ULaw = ULaw,
            VLaw = VLaw,
            Parameterization = Parameterization,
        };
    }

    /// <summary>The CNN description for square images [C, H, H]: stages of Width, 2 Width, 4 Width channels, Depth convolutions each.</summary>
    public CnnSpec CnnSpec(IReadOnlyList<long> inputShape, int classes)
    {
        Require(Architecture == Architecture.Cnn, "a CNN description of an mlp configuration");
        Require(inputShape.Count == 3 && inputShape[1] == inputShape[2], $"a CNN takes square images [C, H, H], got [{string.Join(", ", inputShape)}]");
        return new CnnSpec
        {
            Family = Family,
            Members = Members,
            WidthMultiplier = Width / (double)CnnBaseChannels,
            ConvsPerStage = Depth,
            InputChannels = (int)inputShape[0],
            ImageSize = (int)inputShape[1],
            Classes = classes,
            Activation = Activation.Relu,
            ULaw = ULaw,
            VLaw = VLaw,
            Parameterization = Parameterization,
        };
    }

    /// <summary>U1 = E u (NaN for independent networks), derived: not part of the configuration's identity.</summary>
    public double U1 => EmbeddedEnsembles.Training.Regime.U1(Family, ULaw);

    /// <summary>The operating regime the laws and gamma put this run in, derived: not part of the identity.</summary>
    public OperatingRegime Regime => EmbeddedEnsembles.Training.Regime.Of(Family, ULaw, Gamma);

    /// <summary>The training rule (SGD with the two parameter groups).</summary>
    public TrainingRule Rule(LossKind loss) => new(MuW, MuU, Gamma) { Momentum = Momentum, Loss = loss };

    /// <summary>Checks every field, so a bad grid fails before any work.</summary>
    public void Validate()
    {
        EnsembleSize.Require(Members);
        if (Width < 1) throw new ArgumentException($"width must be >= 1, got {Width}");
        if (Epochs < 1 || BatchSize < 1) throw new ArgumentException("epochs and batch size must be >= 1");
        Plateau?.Validate(Epochs);
        if (!(MuW > 0) || !(MuU >= 0)) throw new ArgumentException($"learning rates must be positive (mu_w={MuW}, mu_u={MuU})");
        if (Task == "synthetic" && Synthetic is null) throw new ArgumentException("a synthetic task needs its description");
        if (Architecture == Architecture.Cnn && Task == "synthetic")
        {
            throw new ArgumentException($"the cnn architecture needs an image data set ({string.Join(", ", DatasetCatalog.Names)}), got task 'synthetic'");
        }
        TaskShape shape = TaskSource.Shape(this);
        if (Architecture == Architecture.Mlp)
        {
            MlpSpec(shape.InputShape, shape.Classes).Validate();
        }
        else
        {
            CnnSpec(shape.InputShape, shape.Classes).Validate();
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
