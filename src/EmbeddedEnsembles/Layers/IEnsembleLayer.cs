using static TorchSharp.torch;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// A hidden ensemble layer split in its two halves, so models can record pre-activations:
/// <see cref="PreActivation"/> computes z (before the v modulation) and <see cref="Activate"/> computes
/// x = u * phi(v * z). Inputs are either shared by all members (no member axis: [B, ...]) or per member
/// ([M, B, ...], one more axis); the rank tells which.
/// </summary>
public interface IEnsembleLayer
{
    /// <summary>Ensemble size M.</summary>
    int Members { get; }

    /// <summary>Output features (or channels) N_l.</summary>
    long OutFeatures { get; }

    /// <summary>The post-activation modulation u, [M, N_l] (ones where the family has none).</summary>
    Tensor U { get; }

    /// <summary>The pre-activation modulation v, [M, N_l] (ones where the family has none).</summary>
    Tensor V { get; }

    /// <summary>z = scale * W x + bias scale * b, returned as [M, B, ...] (possibly an expanded view for shared inputs).</summary>
    Tensor PreActivation(Tensor x);

    /// <summary>x = u * phi(v * z) for z of shape [M, B, ...].</summary>
    Tensor Activate(Tensor z);

    /// <summary>
    /// The layer's output [M, B, ...] for a shared [B, ...] or per-member [M, B, ...] input: Activate(PreActivation(x))
    /// up to rounding, in as few passes over the activations as the layer knows how (the training and inference path;
    /// the two halves remain for recording pre-activations).
    /// </summary>
    Tensor MemberForward(Tensor x);

    /// <summary>The raw weight: shared [N_l, N_{l-1}, ...], or [M, N_l, N_{l-1}, ...] for independent layers.</summary>
    TorchSharp.Modules.Parameter Weight { get; }

    /// <summary>The raw bias: shared [N_l], or [M, N_l] for independent layers.</summary>
    TorchSharp.Modules.Parameter Bias { get; }

    /// <summary>The forward factor on the weights (sigma_w/sqrt(fan-in) under NTK, else 1).</summary>
    double WeightScale { get; }

    /// <summary>The layer's weight and bias (the shared group of the training rule; per member for independent layers).</summary>
    IEnumerable<TorchSharp.Modules.Parameter> WeightParameters();

    /// <summary>The layer's trainable modulations u and v (none for fixed masks or independent layers).</summary>
    IEnumerable<TorchSharp.Modules.Parameter> ModulationParameters();
}
