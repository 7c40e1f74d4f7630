using EmbeddedEnsembles.Descriptions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using EmbeddedEnsembles.Runtime;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// A BatchEnsemble 2-d convolution: shared kernel W [C_out, C_in, k, k] and bias b [C_out], per-member per-channel
/// modulations v, u [M, C_out]: x_a = u_a * phi(v_a * (s_w conv(x_a, W) + s_b b)), with s_w = sigma_w/sqrt(C_in k^2)
/// under NTK parameterization. Equivalent to member kernels W_a = v_a (*) W on output channels (and the previous
/// layer's u_a on input channels). Inputs: shared [B, C, H, W] or per member [M, B, C, H, W]; <see cref="EnsembleLayer.forward"/>
/// is member-major [M*B, C, H, W] (a shared-input layer takes [B, C, H, W]).
/// </summary>
public sealed class BatchEnsembleConv2d : BatchEnsembleLayer
{
    /// <summary>Creates the layer (stride 1, "same" padding k/2 for odd k).</summary>
    /// <param name="name">Module name.</param>
    /// <param name="inChannels">C_in.</param>
    /// <param name="outChannels">C_out.</param>
    /// <param name="kernelSize">k (odd).</param>
    /// <param name="options">Members, activation, parameterization, scales, dtype, device.</param>
    /// <param name="uLaw">Law of u.</param>
    /// <param name="vLaw">Law of v.</param>
    /// <param name="trainableModulations">True: parameters; false: fixed buffers (MC-dropout).</param>
    /// <param name="sharedInput">True for a first layer.</param>
    /// <param name="weightGenerator">Generator for W and b.</param>
    /// <param name="modulationGenerator">Generator for v then u.</param>
    public BatchEnsembleConv2d(string name, long inChannels, long outChannels, long kernelSize, EnsembleLayerOptions options,
        ModulationLaw uLaw, ModulationLaw vLaw, bool trainableModulations, bool sharedInput,
        Generator weightGenerator, Generator modulationGenerator)
        : base(name, ConvShape(inChannels, outChannels, kernelSize, members: null), options,
            uLaw, vLaw, trainableModulations, sharedInput, weightGenerator, modulationGenerator)
    {
        InChannels = inChannels;
        KernelSize = kernelSize;
    }

    /// <summary>C_in.</summary>
    public long InChannels { get; }
    /// <summary>k.</summary>
    public long KernelSize { get; }

    /// <inheritdoc />
    public override Tensor PreActivation(Tensor x)
    {
        using var scope = NewDisposeScope();
        long pad = KernelSize / 2;
        Tensor z;
        if (x.dim() == 4)
        {
            z = functional.conv2d(x, Weight, padding: [pad, pad]).ScaledBy(WeightScale).Plus(Bias.view(1, -1, 1, 1).ScaledBy(BiasScale));
            z = z.unsqueeze(0).expand(Members, -1, -1, -1, -1);
        }
        else if (x.dim() == 5 && x.shape[0] == Members)
        {
            z = functional.conv2d(MemberMajor.Merge(x), Weight, padding: [pad, pad]).ScaledBy(WeightScale).Plus(Bias.view(1, -1, 1, 1).ScaledBy(BiasScale));
            z = MemberMajor.Split(z, Members);
        }
        else
        {
            throw new ArgumentException($"expected input [B, {InChannels}, H, W] or [{Members}, B, {InChannels}, H, W], got [{string.Join(", ", x.shape)}]");
        }
        return z.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override Tensor Broadcast(Tensor modulation) => modulation.view(Members, 1, -1, 1, 1);
}
