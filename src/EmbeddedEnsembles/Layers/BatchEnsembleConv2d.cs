using EmbeddedEnsembles.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// A BatchEnsemble 2-d convolution: shared kernel W [C_out, C_in, k, k] and bias b [C_out], per-member per-channel
/// modulations v, u [M, C_out]: x_a = u_a * phi(v_a * (s_w conv(x_a, W) + s_b b)), with s_w = sigma_w/sqrt(C_in k^2)
/// under NTK parameterization. Equivalent to member kernels W_a = v_a (*) W on output channels (and the previous
/// layer's u_a on input channels). Inputs: shared [B, C, H, W] or per member [M, B, C, H, W]; <see cref="forward"/>
/// is member-major [M*B, C, H, W] (a shared-input layer takes [B, C, H, W]).
/// </summary>
public sealed class BatchEnsembleConv2d : Module<Tensor, Tensor>, IEnsembleLayer
{
    private readonly EnsembleLayerOptions _options;
    private readonly double _weightScale;
    private readonly double _biasScale;
    private readonly bool _sharedInput;

#pragma warning disable IDE1006
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor u;
    private readonly Tensor v;
#pragma warning restore IDE1006

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
        Generator weightGenerator, Generator modulationGenerator) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(uLaw);
        ArgumentNullException.ThrowIfNull(vLaw);
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
        weight = new Parameter(options.Normal([outChannels, inChannels, kernelSize, kernelSize], options.WeightInitStd(fanIn), weightGenerator));
        bias = new Parameter(options.Normal([outChannels], options.BiasInitStd, weightGenerator));
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
        Tensor vValues, uValues;
        using (var raw = vLaw.Sample([options.Members, outChannels], modulationGenerator)) vValues = options.Place(raw);
        using (var raw = uLaw.Sample([options.Members, outChannels], modulationGenerator)) uValues = options.Place(raw);
        TrainableModulations = trainableModulations;
        if (trainableModulations)
        {
            var vp = new Parameter(vValues);
            var up = new Parameter(uValues);
            register_parameter(nameof(v), vp);
            register_parameter(nameof(u), up);
            v = vp;
            u = up;
        }
        else
        {
            register_buffer(nameof(v), vValues);
            register_buffer(nameof(u), uValues);
            v = vValues;
            u = uValues;
        }
    }

    /// <inheritdoc />
    public int Members => _options.Members;
    /// <summary>C_in.</summary>
    public long InChannels { get; }
    /// <inheritdoc />
    public long OutFeatures { get; }
    /// <summary>k.</summary>
    public long KernelSize { get; }
    /// <summary>Whether u and v are trainable.</summary>
    public bool TrainableModulations { get; }
    /// <summary>The shared raw kernel [C_out, C_in, k, k].</summary>
    public Parameter Weight => weight;
    /// <summary>The shared raw bias [C_out].</summary>
    public Parameter Bias => bias;

    /// <inheritdoc />
    public IEnumerable<Parameter> WeightParameters() => new[] { weight, bias };

    /// <inheritdoc />
    public IEnumerable<Parameter> ModulationParameters() =>
        TrainableModulations ? new[] { (Parameter)u, (Parameter)v } : Array.Empty<Parameter>();

    /// <inheritdoc />
    public Tensor U => u;
    /// <inheritdoc />
    public Tensor V => v;
    /// <summary>The forward factor on the convolution.</summary>
    public double WeightScale => _weightScale;
    /// <summary>The forward factor on the bias.</summary>
    public double BiasScale => _biasScale;

    /// <inheritdoc />
    public Tensor PreActivation(Tensor x)
    {
        using var scope = NewDisposeScope();
        long pad = KernelSize / 2;
        Tensor z;
        if (x.dim() == 4)
        {
            z = functional.conv2d(x, weight, padding: [pad, pad]).mul(_weightScale).add(bias.view(1, -1, 1, 1).mul(_biasScale));
            z = z.unsqueeze(0).expand(Members, -1, -1, -1, -1);
        }
        else if (x.dim() == 5 && x.shape[0] == Members)
        {
            z = functional.conv2d(MemberMajor.Merge(x), weight, padding: [pad, pad]).mul(_weightScale).add(bias.view(1, -1, 1, 1).mul(_biasScale));
            z = MemberMajor.Split(z, Members);
        }
        else
        {
            throw new ArgumentException($"expected input [B, {InChannels}, H, W] or [{Members}, B, {InChannels}, H, W], got [{string.Join(", ", x.shape)}]");
        }
        return z.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Activate(Tensor z)
    {
        using var scope = NewDisposeScope();
        Tensor vv = v.view(Members, 1, -1, 1, 1);
        Tensor uu = u.view(Members, 1, -1, 1, 1);
        return uu.mul(_options.Activation.Forward(z.mul(vv))).MoveToOuterDisposeScope();
    }

    /// <summary>Member-major forward pass [M*B, C_in, H, W] to [M*B, C_out, H, W]; a shared-input layer takes [B, C_in, H, W].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor input = _sharedInput ? x : MemberMajor.Split(x, Members);
        return MemberMajor.Merge(Activate(PreActivation(input))).MoveToOuterDisposeScope();
    }
}
