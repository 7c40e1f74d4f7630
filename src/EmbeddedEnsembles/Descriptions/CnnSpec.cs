namespace EmbeddedEnsembles.Descriptions;

/// <summary>
/// A plain description of a small VGG-style ensemble CNN for 32x32x3 images: stages of 3x3 convolutions with
/// base channels <see cref="StageChannels"/> times <see cref="WidthMultiplier"/>, 2x2 max-pooling after each stage,
/// global average pooling and a linear readout (no shared bias). A single network is M = 1.
/// </summary>
public sealed record CnnSpec : EnsembleDescription
{
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

    /// <summary>Channels of stage <paramref name="stage"/> after the width multiplier.</summary>
    public int Channels(int stage) => Math.Max(1, (int)Math.Round(WidthMultiplier * StageChannels[stage], MidpointRounding.AwayFromZero));

    /// <summary>Throws a clear <see cref="ArgumentException"/> naming the first bad field.</summary>
    public CnnSpec Validate()
    {
        Require(WidthMultiplier > 0 && double.IsFinite(WidthMultiplier), $"width multiplier must be a finite positive number, got {WidthMultiplier}");
        Require(StageChannels is { Count: > 0 } && StageChannels.All(c => c >= 1), "stage channels must be a non-empty list of widths >= 1");
        Require(ConvsPerStage >= 1, $"convolutions per stage must be >= 1, got {ConvsPerStage}");
        Require(InputChannels >= 1, $"input channels must be >= 1, got {InputChannels}");
        Require(Classes >= 1, $"classes must be >= 1, got {Classes}");
        Require(ImageSize >= 1 << StageChannels!.Count, $"image size {ImageSize} is too small for {StageChannels.Count} pooling stages");
        ValidateEnsemble();
        return this;
    }
}
