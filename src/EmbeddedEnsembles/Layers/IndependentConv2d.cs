using EmbeddedEnsembles.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// M separate 2-d convolutions in one grouped convolution (groups = M over member-stacked channels): member a has
/// kernel W_a [C_out, C_in, k, k] and bias b_a; x_a = phi(s_w conv(x_a, W_a) + s_b b_a). U and V are ones.
/// <see cref="MemberPreActivation"/> is the per-member reference.
/// </summary>
public sealed class IndependentConv2d : Module<Tensor, Tensor>, IEnsembleLayer
{
    private readonly EnsembleLayerOptions _options;
    private readonly double _weightScale;
    private readonly double _biasScale;
    private readonly bool _sharedInput;

#pragma warning disable IDE1006
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor ones;
#pragma warning restore IDE1006

    /// <summary>Creates M convolutions (stride 1, padding k/2); weights from <paramref name="weightGenerator"/>.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="inChannels">C_in.</param>
    /// <param name="outChannels">C_out.</param>
    /// <param name="kernelSize">k (odd).</param>
    /// <param name="options">Members, activation, parameterization, scales, dtype, device.</param>
    /// <param name="sharedInput">True for a first layer.</param>
    /// <param name="weightGenerator">Generator for all W_a, b_a.</param>
    public IndependentConv2d(string name, long inChannels, long outChannels, long kernelSize, EnsembleLayerOptions options,
        bool sharedInput, Generator weightGenerator) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (inChannels < 1) throw new ArgumentException($"input channels must be >= 1, got {inChannels}");
        if (outChannels < 1) throw new ArgumentException($"channels must be >= 1, got {outChannels}");
        if (kernelSize < 1 || kernelSize % 2 == 0) throw new ArgumentException($"kernel size must be odd and >= 1, got {kernelSize}");
        _options = options;
        _sharedInput = sharedInput;
        InChannels = inChannels;
        OutFeatures = outChannels;
        KernelSize = kernelSize;
        long fanIn = inChannels * kernelSize * kernelSize;
        _weightScale = options.WeightScale(fanIn);
        _biasScale = options.BiasScale;
        weight = new Parameter(options.Normal([options.Members, outChannels, inChannels, kernelSize, kernelSize], options.WeightInitStd(fanIn), weightGenerator));
        bias = new Parameter(options.Normal([options.Members, outChannels], options.BiasInitStd, weightGenerator));
        using (var o = torch.ones([options.Members, outChannels], dtype: ScalarType.Float64)) ones = options.Place(o);
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
        register_buffer(nameof(ones), ones, persistent: false);
    }

    /// <inheritdoc />
    public int Members => _options.Members;
    /// <summary>C_in.</summary>
    public long InChannels { get; }
    /// <inheritdoc />
    public long OutFeatures { get; }
    /// <summary>k.</summary>
    public long KernelSize { get; }
    /// <summary>Raw member kernels [M, C_out, C_in, k, k].</summary>
    public Parameter Weight => weight;
    /// <summary>Raw member biases [M, C_out].</summary>
    public Parameter Bias => bias;

    /// <inheritdoc />
    public IEnumerable<Parameter> WeightParameters() => new[] { weight, bias };

    /// <inheritdoc />
    public IEnumerable<Parameter> ModulationParameters() => Array.Empty<Parameter>();

    /// <inheritdoc />
    public Tensor U => ones;
    /// <inheritdoc />
    public Tensor V => ones;

    /// <inheritdoc />
    public Tensor PreActivation(Tensor x)
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
        Tensor kernels = weight.reshape(m * OutFeatures, InChannels, KernelSize, KernelSize);
        Tensor z = functional.conv2d(stacked, kernels, padding: [pad, pad], groups: m); // [B, M*C_out, H, W]
        z = z.view(z.shape[0], m, OutFeatures, z.shape[2], z.shape[3]).permute(1, 0, 2, 3, 4);
        z = z.mul(_weightScale).add(bias.view(m, 1, OutFeatures, 1, 1).mul(_biasScale));
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>Reference: member <paramref name="member"/>'s pre-activation for its input [B, C_in, H, W].</summary>
    public Tensor MemberPreActivation(int member, Tensor x)
    {
        using var scope = NewDisposeScope();
        long pad = KernelSize / 2;
        Tensor z = functional.conv2d(x, weight[member], padding: [pad, pad]).mul(_weightScale)
            .add(bias[member].view(1, -1, 1, 1).mul(_biasScale));
        return z.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Activate(Tensor z) => _options.Activation.Forward(z);

    /// <summary>Member-major forward pass; a shared-input layer takes [B, C_in, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor input = _sharedInput ? x : MemberMajor.Split(x, Members);
        return MemberMajor.Merge(Activate(PreActivation(input))).MoveToOuterDisposeScope();
    }
}
