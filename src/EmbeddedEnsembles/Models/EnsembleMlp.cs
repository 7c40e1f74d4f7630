using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EmbeddedEnsembles.Models;

/// <summary>
/// The fully-connected ensemble of THEORY.md section 1, built from an <see cref="MlpSpec"/>: L hidden layers
/// (<see cref="BatchEnsembleLinear"/> for BatchEnsemble and MC-dropout, <see cref="IndependentLinear"/> for
/// independent ensembles) and a readout without shared bias. A single network is M = 1.
/// <para>
/// Inputs: <see cref="forward"/> and <see cref="MemberOutputs"/> take a batch [B, InputDim] shared by all members
/// (every member sees the same rows). <see cref="ForwardTiled"/> takes a member-major batch [M*B, InputDim] whose
/// member blocks may differ; <see cref="MemberOutputs"/> also takes [M, B, InputDim].
/// </para>
/// <para>
/// Randomness: shared weights (and independent members' weights) come from a generator derived from the seed with
/// purpose <see cref="SeedStreams.Weights"/>, modulations and masks from a second one (<see cref="SeedStreams.Modulations"/>):
/// changing a modulation law leaves the weights unchanged, and weights are drawn in float64 then converted, so
/// float32 and float64 models from one seed agree.
/// </para>
/// <para>
/// Parameter groups: <see cref="SharedParameters"/> is the weight group (learning rate mu_w*gamma(M)/M). For an
/// independent ensemble every member's weights are in this group and nothing is shared: sum_a L_a gives member a's
/// weights exactly dL_a/dw_a, so gamma(M) = M trains each member as a standalone network at mu_w.
/// <see cref="ModulationParameters"/> holds u and v (BatchEnsemble) and per-member readout biases (all families).
/// </para>
/// <para>Create the model on its device (constructor argument); the parameter accessors refer to the tensors created there.</para>
/// </summary>
public sealed class EnsembleMlp : Module<Tensor, Tensor>, IEnsembleModel
{
#pragma warning disable IDE1006
    private readonly ModuleList<EnsembleLayer> hidden;
    private readonly EnsembleReadout readout;
#pragma warning restore IDE1006
    private readonly IReadOnlyList<EnsembleLayer> _layers;

    /// <summary>Builds the ensemble described by <paramref name="spec"/>, all randomness derived from <paramref name="seed"/>.</summary>
    /// <param name="spec">The description; validated here (bad fields fail with a clear <see cref="ArgumentException"/>).</param>
    /// <param name="seed">The seed of the weight and modulation generators.</param>
    /// <param name="dtype">Float32 (default, training) or Float64 (kernel comparisons).</param>
    /// <param name="device">Device; null for CPU.</param>
    public EnsembleMlp(MlpSpec spec, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(EnsembleMlp))
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec.Validate();
        Seed = seed;
        DType = dtype;
        EnsembleLayerOptions options = EnsembleLayerOptions.Of(spec, dtype, device);
        using Generator weights = SeedStreams.Generator(seed, SeedStreams.Weights);
        using Generator modulations = SeedStreams.Generator(seed, SeedStreams.Modulations);
        var layers = new List<EnsembleLayer>();
        long fanIn = spec.InputDim;
        for (int l = 1; l <= spec.Depth; l++)
        {
            string name = $"hidden{l}";
            layers.Add(spec.Family switch
            {
                EnsembleFamily.Independent => new IndependentLinear(name, fanIn, spec.Width, options, sharedInput: l == 1, weights),
                _ => new BatchEnsembleLinear(name, fanIn, spec.Width, options, spec.ULaw, spec.VLaw,
                    trainableModulations: spec.Family == EnsembleFamily.BatchEnsemble, sharedInput: l == 1, weights, modulations),
            });
            fanIn = spec.Width;
        }
        hidden = new ModuleList<EnsembleLayer>(layers.ToArray());
        readout = new EnsembleReadout("readout", spec.Width, spec.OutputDim, options,
            perMemberWeights: spec.Family == EnsembleFamily.Independent, memberBias: spec.MemberReadoutBias, weights);
        _layers = layers.ToArray();
        RegisterComponents();
    }

    /// <summary>The description this model was built from.</summary>
    public MlpSpec Spec { get; }
    /// <summary>The seed all initial values derive from.</summary>
    public long Seed { get; }
    /// <summary>Element type of the parameters.</summary>
    public ScalarType DType { get; }
    /// <inheritdoc />
    public int Members => Spec.Members;
    /// <inheritdoc />
    public int OutputDim => Spec.OutputDim;
    /// <summary>The hidden layers, l = 1..L.</summary>
    public IReadOnlyList<EnsembleLayer> Layers => _layers;
    /// <summary>The readout layer.</summary>
    public EnsembleReadout Readout => readout;

    /// <summary>Raw hidden weights W^l, l = 1..L: [N_l, N_{l-1}] shared, or [M, N_l, N_{l-1}] for independent ensembles.</summary>
    public IReadOnlyList<Tensor> HiddenWeights => _layers.Select(l => (Tensor)l.Weight).ToArray();
    /// <summary>Raw hidden biases b^l: [N_l], or [M, N_l] for independent ensembles.</summary>
    public IReadOnlyList<Tensor> HiddenBiases => _layers.Select(l => (Tensor)l.Bias).ToArray();
    /// <summary>Post-activation modulations u^l, each [M, N_l] (MC-dropout masks; ones for independent ensembles).</summary>
    public IReadOnlyList<Tensor> U => _layers.Select(l => l.U).ToArray();
    /// <summary>Pre-activation modulations v^l, each [M, N_l] (ones for MC-dropout and independent ensembles).</summary>
    public IReadOnlyList<Tensor> V => _layers.Select(l => l.V).ToArray();
    /// <summary>Raw readout weight: [OutputDim, N_L], or [M, OutputDim, N_L] for independent ensembles.</summary>
    public Tensor ReadoutWeight => readout.Weight;
    /// <summary>Per-member readout bias [M, OutputDim], or null.</summary>
    public Tensor? ReadoutBias => readout.MemberBias;
    /// <summary>Forward factor of layer l's weights (1-based; l = L+1 is the readout): sigma_w/sqrt(N_{l-1}) under NTK, else 1.</summary>
    public double WeightScale(int layer) => layer == _layers.Count + 1 ? readout.WeightScale : _layers[layer - 1].WeightScale;
    /// <summary>Forward factor of the hidden biases: sigma_b under NTK, else 1.</summary>
    public double BiasScale => Spec.Parameterization == Parameterization.Ntk ? Spec.SigmaB : 1.0;

    /// <summary>Member-major outputs [M*B, OutputDim] for a batch [B, InputDim] shared by all members.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return MemberMajor.Merge(MemberOutputs(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Member-major outputs [M*B, OutputDim] for a member-major input [M*B, InputDim] (member a reads rows a*B..a*B+B-1).</summary>
    public Tensor ForwardTiled(Tensor x)
    {
        using var scope = NewDisposeScope();
        return MemberMajor.Merge(MemberOutputs(MemberMajor.Split(x, Members))).MoveToOuterDisposeScope();
    }

    /// <summary>Member outputs [M, B, OutputDim] for x of shape [B, InputDim] (shared) or [M, B, InputDim] (per member).</summary>
    public Tensor MemberOutputs(Tensor x)
    {
        using var scope = NewDisposeScope();
        return readout.forward(LastHidden(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor ClassMajorOutputs(Tensor x)
    {
        using var scope = NewDisposeScope();
        return readout.ClassMajor(LastHidden(x)).MoveToOuterDisposeScope();
    }

    /// <summary>The last hidden layer's activations x^L [M, B, N_L], the readout's input.</summary>
    private Tensor LastHidden(Tensor x)
    {
        Tensor h = CheckInput(x);
        foreach (EnsembleLayer layer in _layers)
        {
            h = layer.MemberForward(h);
        }
        return h;
    }

    /// <summary>The forward pass with every pre-activation and activation recorded; Output equals <see cref="MemberOutputs"/>.</summary>
    public EnsembleTrace Trace(Tensor x)
    {
        var pre = new List<Tensor>();
        var post = new List<Tensor>();
        Tensor h = CheckInput(x);
        foreach (EnsembleLayer layer in _layers)
        {
            Tensor z = layer.PreActivation(h);
            h = layer.Activate(z);
            pre.Add(z);
            post.Add(h);
        }
        return new EnsembleTrace(pre, post, readout.forward(h));
    }

    private Tensor CheckInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        long[] shape = x.shape;
        bool ok = (shape.Length == 2 || (shape.Length == 3 && shape[0] == Members)) && shape[^1] == Spec.InputDim;
        if (!ok)
        {
            throw new ArgumentException($"EnsembleMlp expects input [B, {Spec.InputDim}] or [{Members}, B, {Spec.InputDim}], got [{string.Join(", ", shape)}]");
        }
        return x;
    }

    /// <inheritdoc />
    public IEnumerable<Parameter> SharedParameters() => _layers.SelectMany(l => l.WeightParameters()).Append(readout.Weight);

    /// <inheritdoc />
    public IEnumerable<Parameter> ModulationParameters() =>
        _layers.SelectMany(l => l.ModulationParameters()).Concat(readout.MemberBias is { } bias ? new[] { bias } : Array.Empty<Parameter>());

    /// <inheritdoc />
    public ParameterCount Count() => ModelCounting.Count(Spec.Family == EnsembleFamily.Independent, Members, SharedParameters(), ModulationParameters());

    /// <summary>The parameter count of the model <paramref name="spec"/> describes, without building it.</summary>
    public static ParameterCount Predict(MlpSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        long n0 = spec.InputDim, n = spec.Width, l = spec.Depth, o = spec.OutputDim;
        long network = n0 * n + n + (l - 1) * (n * n + n) + o * n;
        long memberBias = spec.MemberReadoutBias ? o : 0;
        return spec.Family switch
        {
            EnsembleFamily.Independent => new ParameterCount(0, network + memberBias, spec.Members),
            EnsembleFamily.McDropout => new ParameterCount(network, memberBias, spec.Members),
            _ => new ParameterCount(network, 2 * l * n + memberBias, spec.Members),
        };
    }
}

/// <summary>Shared counting rule of the ensemble models.</summary>
internal static class ModelCounting
{
    public static ParameterCount Count(bool independent, int members, IEnumerable<Parameter> shared, IEnumerable<Parameter> modulations)
    {
        long s = shared.Sum(p => p.numel());
        long m = modulations.Sum(p => p.numel());
        return independent
            ? new ParameterCount(0, (s + m) / members, members)
            : new ParameterCount(s, m / members, members);
    }
}
