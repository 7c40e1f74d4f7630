using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Models;

/// <summary>
/// What the training rule needs from an ensemble: its size, member outputs and the two parameter groups.
/// Implemented by <see cref="EnsembleMlp"/> and <see cref="EnsembleCnn"/>. Disposing frees its native tensors.
/// </summary>
public interface IEnsembleModel : IDisposable
{
    /// <summary>Ensemble size M.</summary>
    int Members { get; }

    /// <summary>Output dimension (classes, or regression targets).</summary>
    int OutputDim { get; }

    /// <summary>Member outputs [M, B, OutputDim] for a batch shared by all members.</summary>
    Tensor MemberOutputs(Tensor x);

    /// <summary>
    /// The same outputs as [M, OutputDim, B], classes as the middle axis: the layout the per-member loss reduces over
    /// (<see cref="Training.EnsembleTrainer.MemberLosses"/>). The readout computes it directly, so a training step
    /// spends no view and no autograd node on reaching it (about 4 us each at small widths).
    /// </summary>
    Tensor ClassMajorOutputs(Tensor x);

    /// <summary>
    /// The weight group, trained with learning rate mu_w * gamma(M) / M: the shared weights and biases; for an
    /// independent ensemble, every member's weights (so gamma(M) = M trains each member at mu_w).
    /// </summary>
    IEnumerable<Parameter> SharedParameters();

    /// <summary>The member-specific trainable group, learning rate mu_u: u, v and per-member readout biases.</summary>
    IEnumerable<Parameter> ModulationParameters();

    /// <summary>Trainable parameter counts, shared and per member.</summary>
    ParameterCount Count();
}
