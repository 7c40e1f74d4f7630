namespace EmbeddedEnsembles.Model;

/// <summary>
/// A plain description of a small VGG-style ensemble CNN for 32x32x3 images: stages of 3x3 convolutions with
/// base channels <see cref="StageChannels"/> times <see cref="WidthMultiplier"/>, 2x2 max-pooling after each stage,
/// global average pooling and a linear readout (no shared bias). A single network is M = 1.
/// </summary>
public sealed record CnnSpec
{
    /// <summary>The family.</summary>
    public EnsembleFamily Family { get; init; } = EnsembleFamily.BatchEnsemble;
    /// <summary>Ensemble size M.</summary>
    public int Members { get; init; } = 4;
    /// <summary>Channel multiplier k: stage s has max(1, round(k * StageChannels[s])) channels.</summary>
    public double WidthMultiplier { get; init; } = 1;
    /// <summary>Base channels per stage (default 16, 32, 64).</summary>
    public IReadOnlyList<int> StageChannels { get; init; } = [16, 32, 64];
    /// <summary>3x3 convolutions per stage.</summary>
    public int ConvsPerStage { get; init; } = 2;
    /// <summary>Input channels (3 for RGB).</summary>
    public int InputChannels { get; init; } = 3;
    /// <summary>Input height and width.</summary>
    public int ImageSize { get; init; } = 32;
    /// <summary>Number of classes.</summary>
    public int Classes { get; init; } = 10;
    /// <summary>The nonlinearity.</summary>
    public Activation Activation { get; init; } = Activation.Relu;
    /// <summary>Law of u (per channel).</summary>
    public ModulationLaw ULaw { get; init; } = new SignLaw(1);
    /// <summary>Law of v (per channel).</summary>
    public ModulationLaw VLaw { get; init; } = new SignLaw(1);
    /// <summary>NTK or standard parameterization.</summary>
    public Parameterization Parameterization { get; init; } = Parameterization.Ntk;
    /// <summary>Weight scale sigma_w.</summary>
    public double SigmaW { get; init; } = Math.Sqrt(2);
    /// <summary>Bias scale sigma_b.</summary>
    public double SigmaB { get; init; } = 0.1;
    /// <summary>Per-member readout bias.</summary>
    public bool MemberReadoutBias { get; init; }

    /// <summary>Channels of stage <paramref name="stage"/> after the width multiplier.</summary>
    public int Channels(int stage) => Math.Max(1, (int)Math.Round(WidthMultiplier * StageChannels[stage], MidpointRounding.AwayFromZero));

    /// <summary>Throws a clear <see cref="ArgumentException"/> naming the first bad field.</summary>
    public CnnSpec Validate()
    {
        Require(Members >= 1, $"ensemble size M must be >= 1, got {Members}");
        Require(WidthMultiplier > 0 && double.IsFinite(WidthMultiplier), $"width multiplier must be a finite positive number, got {WidthMultiplier}");
        Require(StageChannels is { Count: > 0 } && StageChannels.All(c => c >= 1), "stage channels must be a non-empty list of widths >= 1");
        Require(ConvsPerStage >= 1, $"convolutions per stage must be >= 1, got {ConvsPerStage}");
        Require(InputChannels >= 1, $"input channels must be >= 1, got {InputChannels}");
        Require(Classes >= 1, $"classes must be >= 1, got {Classes}");
        Require(ImageSize >= 1 << StageChannels!.Count, $"image size {ImageSize} is too small for {StageChannels.Count} pooling stages");
        Require(Activation is not null, "activation is missing");
        Require(SigmaW > 0 && double.IsFinite(SigmaW), $"sigma_w must be a finite positive number, got {SigmaW}");
        Require(SigmaB >= 0 && double.IsFinite(SigmaB), $"sigma_b must be a finite number >= 0, got {SigmaB}");
        if (Family == EnsembleFamily.McDropout)
        {
            Require(ULaw is BernoulliLaw, $"an MC-dropout ensemble needs a bernoulli(p) law for u, got {ULaw}");
            Require(VLaw is ConstLaw { C: 1 }, $"an MC-dropout ensemble has v = 1, got {VLaw}");
        }
        return this;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
