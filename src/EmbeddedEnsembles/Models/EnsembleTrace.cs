using static TorchSharp.torch;

namespace EmbeddedEnsembles.Models;

/// <summary>
/// Every intermediate of one forward pass, for the empirical-kernel code. The caller owns the tensors (they
/// belong to the caller's dispose scope); pre-activations of a first layer fed a shared input are expanded views.
/// </summary>
/// <param name="PreActivations">z^l for l = 1..L, each [M, B, N_l] (or [M, B, C_l, H, W] for convolutions), before the v modulation.</param>
/// <param name="Activations">x^l = u * phi(v * z^l), same shapes.</param>
/// <param name="Output">The member outputs f, [M, B, OutputDim].</param>
public sealed record EnsembleTrace(IReadOnlyList<Tensor> PreActivations, IReadOnlyList<Tensor> Activations, Tensor Output);
