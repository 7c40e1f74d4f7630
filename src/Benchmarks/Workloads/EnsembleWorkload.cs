using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Workloads;

/// <summary>
/// Everything one benchmark case needs, built once in GlobalSetup: the model(s), the inputs, the labels and the
/// library's <see cref="EnsembleTrainer"/>. <see cref="TrainStep"/> and <see cref="Infer"/> are what the suites time.
/// <list type="bullet">
/// <item>Ensembles see one mini-batch x [B, in] and labels [B] shared by all members (THEORY.md section 1).</item>
/// <item><see cref="WorkloadKind.SingleNetwork"/> sees M*B distinct rows [M*B, in]: one network doing the rows of M.</item>
/// <item><see cref="WorkloadKind.BatchEnsembleTiled"/> sees [M, B, in], each member its own rows.</item>
/// <item><see cref="WorkloadKind.IndependentLoop"/> holds M one-member networks whose weights are member a's slices
/// of the vectorized ensemble built from the same seed, each with its own trainer, stepped one after another.</item>
/// </list>
/// Parameters are float32 on the CPU; the learning rate is small (<see cref="LearningRate"/>) so thousands of timed
/// steps on random labels stay finite.
/// </summary>
public sealed class EnsembleWorkload : IDisposable
{
    /// <summary>mu_w and mu_u; gamma(M) = M, so every configuration (the loop's one-member networks included) updates each member's weights at this rate.</summary>
    public const double LearningRate = 1e-4;

    /// <summary>Keep probability of the MC-dropout masks.</summary>
    public const double KeepProbability = 0.5;

    private readonly EnsembleTrainer[] _trainers;
    private readonly IDisposable[] _owned;

    private EnsembleWorkload(WorkloadKind kind, WorkloadShape shape, IEnsembleModel[] models, Tensor input, Tensor labels, IDisposable[] owned)
    {
        Kind = kind;
        Shape = shape;
        Models = models;
        Input = input;
        Labels = labels;
        _owned = owned;
        var rule = new TrainingRule(LearningRate, LearningRate, GammaRule.M);
        _trainers = models.Select(m => new EnsembleTrainer(m, rule)).ToArray();
    }

    /// <summary>The configuration.</summary>
    public WorkloadKind Kind { get; }
    /// <summary>The network shape, width and M.</summary>
    public WorkloadShape Shape { get; }
    /// <summary>One model, or M one-member models for the loop.</summary>
    public IReadOnlyList<IEnsembleModel> Models { get; }
    /// <summary>The input: [B, in] shared, [M*B, in] for the single network, [M, B, in] for tiled BatchEnsemble.</summary>
    public Tensor Input { get; }
    /// <summary>Class labels, int64: [B], or [M*B] for the single network.</summary>
    public Tensor Labels { get; }

    /// <summary>The ensemble description of <paramref name="kind"/> (the single network's is the source of its weights).</summary>
    public static MlpSpec SpecOf(WorkloadKind kind, WorkloadShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var spec = new MlpSpec
        {
            InputDim = shape.InputDim,
            Width = shape.Width,
            Depth = shape.Depth,
            OutputDim = shape.OutputDim,
            Members = shape.Members,
            Activation = Activation.Relu,
        };
        return kind switch
        {
            WorkloadKind.SingleNetwork => spec with { Family = EnsembleFamily.BatchEnsemble, Members = 1, ULaw = new ConstLaw(1), VLaw = new ConstLaw(1), Parameterization = Parameterization.Standard },
            WorkloadKind.BatchEnsemble or WorkloadKind.BatchEnsembleTiled => spec with { Family = EnsembleFamily.BatchEnsemble, ULaw = new GaussLaw(1, 0.5), VLaw = new GaussLaw(1, 0.5) },
            WorkloadKind.McDropout => MlpSpec.McDropout(KeepProbability) with { InputDim = shape.InputDim, Width = shape.Width, Depth = shape.Depth, OutputDim = shape.OutputDim, Members = shape.Members, Activation = Activation.Relu },
            _ => spec with { Family = EnsembleFamily.Independent },
        };
    }

    /// <summary>Builds the workload; all randomness (weights, modulations, inputs, labels) comes from <paramref name="seed"/>.</summary>
    public static EnsembleWorkload Create(WorkloadKind kind, WorkloadShape shape, long seed = 1)
    {
        ArgumentNullException.ThrowIfNull(shape);
        using var data = new Generator((ulong)seed);
        long rows = kind switch
        {
            WorkloadKind.SingleNetwork or WorkloadKind.BatchEnsembleTiled => shape.Rows,
            _ => shape.Batch,
        };
        Tensor input = randn([rows, shape.InputDim], dtype: ScalarType.Float32, generator: data);
        if (kind == WorkloadKind.BatchEnsembleTiled)
        {
            Tensor split = input.reshape(shape.Members, shape.Batch, shape.InputDim);
            input.Dispose();
            input = split;
        }
        Tensor labels = randint(0, shape.OutputDim, [kind == WorkloadKind.SingleNetwork ? shape.Rows : shape.Batch], dtype: ScalarType.Int64, generator: data);
        MlpSpec spec = SpecOf(kind, shape);
        switch (kind)
        {
            case WorkloadKind.SingleNetwork:
            {
                using var source = new EnsembleMlp(spec, seed);
                var plain = new PlainMlp(source);
                return new EnsembleWorkload(kind, shape, [plain], input, labels, [plain]);
            }
            case WorkloadKind.IndependentLoop:
            {
                EnsembleMlp[] members = SplitMembers(spec, seed);
                return new EnsembleWorkload(kind, shape, members, input, labels, members);
            }
            default:
            {
                var model = new EnsembleMlp(spec, seed);
                return new EnsembleWorkload(kind, shape, [model], input, labels, [model]);
            }
        }
    }

    /// <summary>
    /// The M one-member networks of the loop: member a's weights are slice a of the vectorized independent ensemble
    /// that <paramref name="spec"/> and <paramref name="seed"/> build, so loop and vectorized pass compute the same thing.
    /// </summary>
    public static EnsembleMlp[] SplitMembers(MlpSpec spec, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Family != EnsembleFamily.Independent)
        {
            throw new ArgumentException("only an independent ensemble splits into standalone members");
        }
        using var whole = new EnsembleMlp(spec, seed);
        var members = new EnsembleMlp[spec.Members];
        using (no_grad())
        {
            for (int a = 0; a < spec.Members; a++)
            {
                var member = new EnsembleMlp(spec with { Members = 1 }, seed);
                for (int l = 0; l < whole.HiddenWeights.Count; l++)
                {
                    member.HiddenWeights[l].copy_(whole.HiddenWeights[l][a].unsqueeze(0));
                    member.HiddenBiases[l].copy_(whole.HiddenBiases[l][a].unsqueeze(0));
                }
                member.ReadoutWeight.copy_(whole.ReadoutWeight[a].unsqueeze(0));
                members[a] = member;
            }
        }
        return members;
    }

    /// <summary>One training step: forward, per-member losses, one backward of their sum, SGD (M steps for the loop).</summary>
    public void TrainStep()
    {
        foreach (EnsembleTrainer trainer in _trainers)
        {
            trainer.Step(Input, Labels);
        }
    }

    /// <summary>One inference pass without autograd; every member's outputs are computed and freed.</summary>
    public void Infer()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (IEnsembleModel model in Models)
        {
            model.MemberOutputs(Input);
        }
    }

    /// <summary>
    /// All member outputs, member-major [M*B, out] (the single network: its [M*B, out] rows), for checking that the
    /// configurations compute what they claim. The caller disposes the result.
    /// </summary>
    public Tensor Outputs()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] parts = Models.Select(m => MemberMajor.Merge(m.MemberOutputs(Input))).ToArray();
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forward pass and summed member loss with autograd on, as a training step holds it before backward. The
    /// loop steps its networks one at a time, so it holds one member's graph at once: this returns member 0's.
    /// </summary>
    public Tensor ForwardLoss()
    {
        using var scope = NewDisposeScope();
        return EnsembleTrainer.MemberLosses(Models[0].ClassMajorOutputs(Input), Labels, LossKind.CrossEntropy).sum().MoveToOuterDisposeScope();
    }

    /// <summary>Parameter counts of the whole configuration (the loop: M standalone networks, all per member).</summary>
    public ParameterCount Count()
    {
        if (Models.Count == 1)
        {
            return Models[0].Count();
        }
        return new ParameterCount(0, Models[0].Count().Total, Models.Count);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (EnsembleTrainer t in _trainers)
        {
            t.Dispose();
        }
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
        Input.Dispose();
        Labels.Dispose();
    }
}
