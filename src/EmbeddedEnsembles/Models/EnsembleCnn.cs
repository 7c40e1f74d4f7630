using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EmbeddedEnsembles.Models;

/// <summary>
/// A small VGG-style ensemble CNN built from a <see cref="CnnSpec"/>: per stage, <see cref="CnnSpec.ConvsPerStage"/>
/// 3x3 convolutions (<see cref="BatchEnsembleConv2d"/>, or <see cref="IndependentConv2d"/> for independent ensembles)
/// followed by 2x2 max-pooling; then global average pooling and an <see cref="EnsembleReadout"/>.
/// <para>
/// BatchNorm: none. (1) The theory (THEORY.md) has no normalisation, and the NTK parameterization already keeps
/// pre-activations of order one at initialisation. (2) BatchNorm over a member-major batch [M*B, ...] would
/// compute statistics across members and couple them through the batch, which changes exactly the member
/// correlations the experiments measure; per-member statistics would need per-member running buffers and make the
/// member-specific parameter count depend on the normaliser. Without it, shared and per-member counts are clean.
/// </para>
/// <para>Inputs [B, C, H, W] are shared by all members; outputs are member-major [M*B, Classes]. Randomness and
/// parameter groups follow <see cref="EnsembleMlp"/>.</para>
/// </summary>
public sealed class EnsembleCnn : Module<Tensor, Tensor>, IEnsembleModel
{
#pragma warning disable IDE1006
    private readonly ModuleList<EnsembleLayer> convs;
    private readonly EnsembleReadout readout;
#pragma warning restore IDE1006
    private readonly IReadOnlyList<EnsembleLayer> _layers;
    private readonly HashSet<int> _poolAfter = new();

    /// <summary>Builds the CNN ensemble described by <paramref name="spec"/> from <paramref name="seed"/>.</summary>
    /// <param name="spec">The description; validated here.</param>
    /// <param name="seed">Seed of the weight and modulation generators.</param>
    /// <param name="dtype">Float32 (default) or Float64.</param>
    /// <param name="device">Device; null for CPU.</param>
    public EnsembleCnn(CnnSpec spec, long seed, ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(EnsembleCnn))
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec.Validate();
        EnsembleLayerOptions options = EnsembleLayerOptions.Of(spec, dtype, device);
        using Generator weights = SeedStreams.Generator(seed, SeedStreams.Weights);
        using Generator modulations = SeedStreams.Generator(seed, SeedStreams.Modulations);
        var layers = new List<EnsembleLayer>();
        long channels = spec.InputChannels;
        for (int s = 0; s < spec.StageChannels.Count; s++)
        {
            for (int c = 0; c < spec.ConvsPerStage; c++)
            {
                string name = $"conv{s + 1}_{c + 1}";
                bool first = layers.Count == 0;
                int width = spec.Channels(s);
                layers.Add(spec.Family switch
                {
                    EnsembleFamily.Independent => new IndependentConv2d(name, channels, width, 3, options, first, weights),
                    _ => new BatchEnsembleConv2d(name, channels, width, 3, options, spec.ULaw, spec.VLaw,
                        trainableModulations: spec.Family == EnsembleFamily.BatchEnsemble, first, weights, modulations),
                });
                channels = width;
            }
            _poolAfter.Add(layers.Count - 1);
        }
        convs = new ModuleList<EnsembleLayer>(layers.ToArray());
        readout = new EnsembleReadout("readout", channels, spec.Classes, options,
            perMemberWeights: spec.Family == EnsembleFamily.Independent, memberBias: spec.MemberReadoutBias, weights);
        _layers = layers.ToArray();
        RegisterComponents();
    }

    /// <summary>The description.</summary>
    public CnnSpec Spec { get; }
    /// <inheritdoc />
    public int Members => Spec.Members;
    /// <inheritdoc />
    public int OutputDim => Spec.Classes;
    /// <summary>The convolution layers in order.</summary>
    public IReadOnlyList<EnsembleLayer> Layers => _layers;
    /// <summary>The readout.</summary>
    public EnsembleReadout Readout => readout;

    /// <summary>Member-major logits [M*B, Classes] for images [B, C, H, W] shared by all members.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return MemberMajor.Merge(MemberOutputs(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Member logits [M, B, Classes] for images [B, C, H, W] (shared) or [M, B, C, H, W] (per member).</summary>
    public Tensor MemberOutputs(Tensor x)
    {
        using var scope = NewDisposeScope();
        return readout.forward(PooledFeatures(x)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor ClassMajorOutputs(Tensor x)
    {
        using var scope = NewDisposeScope();
        return readout.ClassMajor(PooledFeatures(x)).MoveToOuterDisposeScope();
    }

    /// <summary>The last convolution's activations averaged over space, [M, B, C]: the readout's input.</summary>
    private Tensor PooledFeatures(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        bool ok = (x.dim() == 4 || (x.dim() == 5 && x.shape[0] == Members)) && x.shape[^3] == Spec.InputChannels;
        if (!ok)
        {
            throw new ArgumentException($"EnsembleCnn expects images [B, {Spec.InputChannels}, H, W] or [{Members}, B, {Spec.InputChannels}, H, W], got [{string.Join(", ", x.shape)}]");
        }
        Tensor h = x;
        for (int i = 0; i < _layers.Count; i++)
        {
            h = _layers[i].Activate(_layers[i].PreActivation(h)); // [M, B, C, H, W]
            if (_poolAfter.Contains(i))
            {
                h = MemberMajor.Split(functional.max_pool2d(MemberMajor.Merge(h), 2), Members);
            }
        }
        return h.mean([3, 4]);
    }

    /// <inheritdoc />
    public IEnumerable<Parameter> SharedParameters() => _layers.SelectMany(l => l.WeightParameters()).Append(readout.Weight);

    /// <inheritdoc />
    public IEnumerable<Parameter> ModulationParameters() =>
        _layers.SelectMany(l => l.ModulationParameters()).Concat(readout.MemberBias is { } bias ? new[] { bias } : Array.Empty<Parameter>());

    /// <inheritdoc />
    public ParameterCount Count() => ModelCounting.Count(Spec.Family == EnsembleFamily.Independent, Members, SharedParameters(), ModulationParameters());
}
