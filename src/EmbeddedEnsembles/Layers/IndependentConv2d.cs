using EmbeddedEnsembles.Descriptions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using EmbeddedEnsembles.Runtime;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// M separate 2-d convolutions in one grouped convolution (groups = M over member-stacked channels): member a has
/// kernel W_a [C_out, C_in, k, k] and bias b_a; x_a = phi(s_w conv(x_a, W_a) + s_b b_a). U and V are ones.
/// <see cref="MemberPreActivation"/> is the per-member reference.
/// </summary>
public sealed class IndependentConv2d : IndependentLayer
{
    /// <summary>Creates M convolutions (stride 1, padding k/2); weights from <paramref name="weightGenerator"/>.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="inChannels">C_in.</param>
    /// <param name="outChannels">C_out.</param>
    /// <param name="kernelSize">k (odd).</param>
    /// <param name="options">Members, activation, parameterization, scales, dtype, device.</param>
    /// <param name="sharedInput">True for a first layer.</param>
    /// <param name="weightGenerator">Generator for all W_a, b_a.</param>
    public IndependentConv2d(string name, long inChannels, long outChannels, long kernelSize, EnsembleLayerOptions options,
        bool sharedInput, Generator weightGenerator)
        : base(name, ConvShape(inChannels, outChannels, kernelSize, MembersOf(options)), options, sharedInput, weightGenerator)
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
        long m = Members, pad = KernelSize / 2;
        Tensor stacked; // [B, M*C_in, H, W], member-major channels
        if (x.dim() == 4)
        {
            stacked = x.repeat(1, m, 1, 1);
        }
        else if (x.dim() == 5 && x.shape[0] == m)
        {
            stacked = x.permute(1, 0, 2, 3, 4).reshape(x.shape[1], m * x.shape[2], x.shape[3], x.shape[4]);
        }
        else
        {
            throw new ArgumentException($"expected input [B, {InChannels}, H, W] or [{m}, B, {InChannels}, H, W], got [{string.Join(", ", x.shape)}]");
        }
        Tensor kernels = Weight.reshape(m * OutFeatures, InChannels, KernelSize, KernelSize);
        Tensor z = functional.conv2d(stacked, kernels, padding: [pad, pad], groups: m); // [B, M*C_out, H, W]
        z = z.view(z.shape[0], m, OutFeatures, z.shape[2], z.shape[3]).permute(1, 0, 2, 3, 4);
        z = z.ScaledBy(WeightScale).Plus(Bias.view(m, 1, OutFeatures, 1, 1).ScaledBy(BiasScale));
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>Reference: member <paramref name="member"/>'s pre-activation for its input [B, C_in, H, W].</summary>
    public Tensor MemberPreActivation(int member, Tensor x)
    {
        using var scope = NewDisposeScope();
        long pad = KernelSize / 2;
        Tensor z = functional.conv2d(x, Weight[member], padding: [pad, pad]).ScaledBy(WeightScale)
            .Plus(Bias[member].view(1, -1, 1, 1).ScaledBy(BiasScale));
        return z.MoveToOuterDisposeScope();
    }
}
