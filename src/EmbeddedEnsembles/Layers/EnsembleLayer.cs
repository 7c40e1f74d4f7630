using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// A hidden ensemble layer; the four layer types share this: the options, the raw weight and bias (shared, or one
/// per member for independent layers) with their forward factors s_w and s_b, and the member-major forward pass.
/// Subclasses give the pre-activation and the modulations. The layer splits in two halves, so models can record
/// pre-activations: <see cref="PreActivation"/> computes z (before the v modulation) and <see cref="Activate"/>
/// computes x = u * phi(v * z). Inputs are either shared by all members (no member axis: [B, ...]) or per member
/// ([M, B, ...], one more axis); the rank tells which.
/// </summary>
public abstract class EnsembleLayer : Module<Tensor, Tensor>
{
    private readonly bool _sharedInput;

#pragma warning disable IDE1006 // TorchSharp convention: lower-case names equal to the registered names
    private readonly Parameter weight;
    private readonly Parameter bias;
#pragma warning restore IDE1006

    /// <summary>The shapes of a layer's raw weight and bias, its fan-in and its width; checked before any tensor is drawn.</summary>
    /// <param name="Weight">Shape of the raw weight.</param>
    /// <param name="Bias">Shape of the raw bias.</param>
    /// <param name="FanIn">Fan-in N_{l-1} (times k^2 for a convolution).</param>
    /// <param name="OutFeatures">Width N_l (output channels for a convolution).</param>
    protected sealed record Shape(long[] Weight, long[] Bias, long FanIn, long OutFeatures);

    /// <summary>Draws W then b from <paramref name="weightGenerator"/> and registers them as "weight" and "bias".</summary>
    protected EnsembleLayer(string name, Shape shape, EnsembleLayerOptions options, bool sharedInput, Generator weightGenerator) : base(name)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _sharedInput = sharedInput;
        OutFeatures = shape.OutFeatures;
        WeightScale = options.WeightScale(shape.FanIn);
        BiasScale = options.BiasScale;
        weight = new Parameter(options.Normal(shape.Weight, options.WeightInitStd(shape.FanIn), weightGenerator));
        bias = new Parameter(options.Normal(shape.Bias, options.BiasInitStd, weightGenerator));
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    /// <summary>Members, activation, parameterization, scales, dtype and device.</summary>
    protected EnsembleLayerOptions Options { get; }

    /// <summary>Ensemble size M.</summary>
    public int Members => Options.Members;

    /// <summary>Output features (or channels) N_l.</summary>
    public long OutFeatures { get; }

    /// <summary>The raw weight: shared [N_l, N_{l-1}, ...], or [M, N_l, N_{l-1}, ...] for independent layers.</summary>
    public Parameter Weight => weight;

    /// <summary>The raw bias: shared [N_l], or [M, N_l] for independent layers.</summary>
    public Parameter Bias => bias;

    /// <summary>The forward factor on the weights (sigma_w/sqrt(fan-in) under NTK, else 1).</summary>
    public double WeightScale { get; }

    /// <summary>The forward factor on the bias (sigma_b under NTK, else 1).</summary>
    public double BiasScale { get; }

    /// <summary>The nonlinearity.</summary>
    public Descriptions.Activation Activation => Options.Activation;

    /// <summary>The layer's weight and bias (the shared group of the training rule; per member for independent layers).</summary>
    public IEnumerable<Parameter> WeightParameters() => new[] { weight, bias };

    /// <summary>The layer's trainable modulations u and v (none for fixed masks or independent layers).</summary>
    public abstract IEnumerable<Parameter> ModulationParameters();

    /// <summary>The post-activation modulation u, [M, N_l] (ones where the family has none).</summary>
    public abstract Tensor U { get; }

    /// <summary>The pre-activation modulation v, [M, N_l] (ones where the family has none).</summary>
    public abstract Tensor V { get; }

    /// <summary>z = scale * W x + bias scale * b, returned as [M, B, ...] (possibly an expanded view for shared inputs).</summary>
    public abstract Tensor PreActivation(Tensor x);

    /// <summary>x = u * phi(v * z) for z of shape [M, B, ...].</summary>
    public abstract Tensor Activate(Tensor z);

    /// <summary>
    /// The layer's output [M, B, ...] for a shared [B, ...] or per-member [M, B, ...] input: Activate(PreActivation(x))
    /// up to rounding, in as few passes over the activations as the layer knows how (the training and inference path;
    /// the two halves remain for recording pre-activations).
    /// </summary>
    public virtual Tensor MemberForward(Tensor x) => Activate(PreActivation(x));

    /// <summary>
    /// Member-major forward pass: [M*B, ...] to [M*B, ...]; a shared-input (first) layer takes [B, ...] and broadcasts.
    /// </summary>
    public sealed override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor input = _sharedInput ? x : MemberMajor.Split(x, Members);
        return MemberMajor.Merge(MemberForward(input)).MoveToOuterDisposeScope();
    }

    /// <summary>A fully-connected layer's shapes: W [out, in] and b [out], or with a member axis first when
    /// <paramref name="members"/> is given (independent layers).</summary>
    protected static Shape LinearShape(long inFeatures, long outFeatures, int? members)
    {
        Require(inFeatures >= 1, $"input features must be >= 1, got {inFeatures}");
        Require(outFeatures >= 1, $"width must be >= 1, got {outFeatures}");
        return members is { } m
            ? new Shape([m, outFeatures, inFeatures], [m, outFeatures], inFeatures, outFeatures)
            : new Shape([outFeatures, inFeatures], [outFeatures], inFeatures, outFeatures);
    }

    /// <summary>A convolution's shapes: W [C_out, C_in, k, k] and b [C_out], or with a member axis first when
    /// <paramref name="members"/> is given (independent layers).</summary>
    protected static Shape ConvShape(long inChannels, long outChannels, long kernelSize, int? members)
    {
        Require(inChannels >= 1, $"input channels must be >= 1, got {inChannels}");
        Require(outChannels >= 1, $"channels must be >= 1, got {outChannels}");
        Require(kernelSize >= 1 && kernelSize % 2 == 1, $"kernel size must be odd and >= 1, got {kernelSize}");
        long fanIn = inChannels * kernelSize * kernelSize;
        return members is { } m
            ? new Shape([m, outChannels, inChannels, kernelSize, kernelSize], [m, outChannels], fanIn, outChannels)
            : new Shape([outChannels, inChannels, kernelSize, kernelSize], [outChannels], fanIn, outChannels);
    }

    /// <summary>The ensemble size of options that may be null (a shape is computed before the base constructor checks them).</summary>
    protected static int MembersOf(EnsembleLayerOptions options) =>
        options?.Members ?? throw new ArgumentNullException(nameof(options));

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}

/// <summary>
/// A BatchEnsemble layer's modulations (THEORY.md section 1): v [M, N] before the nonlinearity and u [M, N] after
/// it, x_a = u_a * phi(v_a * z_a). Trainable parameters, or fixed buffers (MC-dropout masks: u = Bernoulli(p)/p, v = 1).
/// </summary>
public abstract class BatchEnsembleLayer : EnsembleLayer
{
#pragma warning disable IDE1006
    private readonly Tensor u;
    private readonly Tensor v;
#pragma warning restore IDE1006

    /// <summary>Draws the weights, then v then u from <paramref name="modulationGenerator"/>, and registers them.</summary>
    protected BatchEnsembleLayer(string name, Shape shape, EnsembleLayerOptions options, Descriptions.ModulationLaw uLaw, Descriptions.ModulationLaw vLaw,
        bool trainableModulations, bool sharedInput, Generator weightGenerator, Generator modulationGenerator)
        : base(name, shape, options, sharedInput, weightGenerator)
    {
        ArgumentNullException.ThrowIfNull(uLaw);
        ArgumentNullException.ThrowIfNull(vLaw);
        Tensor vValues = Sample(vLaw, modulationGenerator);
        Tensor uValues = Sample(uLaw, modulationGenerator);
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

    private Tensor Sample(Descriptions.ModulationLaw law, Generator generator)
    {
        using var raw = law.Sample([Members, OutFeatures], generator);
        return Options.Place(raw);
    }

    /// <summary>Whether u and v are trainable parameters (BatchEnsemble) or fixed buffers (MC-dropout).</summary>
    public bool TrainableModulations { get; }

    /// <inheritdoc />
    public override Tensor U => u;

    /// <inheritdoc />
    public override Tensor V => v;

    /// <inheritdoc />
    public override IEnumerable<Parameter> ModulationParameters() =>
        TrainableModulations ? new[] { (Parameter)u, (Parameter)v } : Array.Empty<Parameter>();

    /// <inheritdoc />
    public override Tensor Activate(Tensor z)
    {
        using var scope = NewDisposeScope();
        return Broadcast(u).mul(Activation.Forward(z.mul(Broadcast(v)))).MoveToOuterDisposeScope();
    }

    /// <summary>A modulation [M, N] shaped to multiply activations [M, B, N, ...].</summary>
    protected abstract Tensor Broadcast(Tensor modulation);
}

/// <summary>M separate layers: every member has its own weights and no modulation (<see cref="U"/> and <see cref="V"/> are ones).</summary>
public abstract class IndependentLayer : EnsembleLayer
{
#pragma warning disable IDE1006
    private readonly Tensor ones;
#pragma warning restore IDE1006

    /// <summary>Draws every member's weights (member 0 first) and registers the ones buffer.</summary>
    protected IndependentLayer(string name, Shape shape, EnsembleLayerOptions options, bool sharedInput, Generator weightGenerator)
        : base(name, shape, options, sharedInput, weightGenerator)
    {
        using (var o = torch.ones([Members, OutFeatures], dtype: ScalarType.Float64))
        {
            ones = Options.Place(o);
        }
        register_buffer(nameof(ones), ones, persistent: false);
    }

    /// <inheritdoc />
    public override Tensor U => ones;

    /// <inheritdoc />
    public override Tensor V => ones;

    /// <inheritdoc />
    public override IEnumerable<Parameter> ModulationParameters() => Array.Empty<Parameter>();

    /// <inheritdoc />
    public override Tensor Activate(Tensor z) => Activation.Forward(z);
}
