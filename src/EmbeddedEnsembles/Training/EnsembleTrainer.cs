using EmbeddedEnsembles.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EmbeddedEnsembles.Runtime;

namespace EmbeddedEnsembles.Training;

/// <summary>
/// Trains an <see cref="IEnsembleModel"/> with a <see cref="TrainingRule"/>: per-member losses on one shared
/// mini-batch, one backward pass of sum_a L_a, then SGD (optional momentum, per-group weight decay) with learning
/// rate mu_w*gamma(M)/M on <see cref="IEnsembleModel.SharedParameters"/> and mu_u on
/// <see cref="IEnsembleModel.ModulationParameters"/>. Full-batch gradient descent is <see cref="Step"/> with the
/// whole data set. Each step runs in its own dispose scope; only momentum buffers persist (owned here, freed by
/// <see cref="Dispose"/>), so memory stays flat.
/// </summary>
public sealed class EnsembleTrainer : IDisposable
{
    private readonly IEnsembleModel _model;
    private readonly Group[] _groups;

    private sealed record Group(Parameter[] Parameters, double LearningRate, double WeightDecay)
    {
        public Tensor?[] Momentum { get; } = new Tensor?[Parameters.Length];
    }

    /// <summary>Creates the trainer; the parameter groups are read once, here.</summary>
    public EnsembleTrainer(IEnsembleModel model, TrainingRule rule)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rule);
        _model = model;
        Rule = rule.Validate();
        SharedLearningRate = rule.SharedLearningRate(model.Members);
        ModulationLearningRate = rule.MuU;
        _groups =
        [
            new Group(model.SharedParameters().ToArray(), SharedLearningRate, rule.WeightDecayShared),
            new Group(model.ModulationParameters().ToArray(), ModulationLearningRate, rule.WeightDecayModulation),
        ];
    }

    /// <summary>The rule.</summary>
    public TrainingRule Rule { get; }
    /// <summary>mu_w * gamma(M) / M.</summary>
    public double SharedLearningRate { get; }
    /// <summary>mu_u.</summary>
    public double ModulationLearningRate { get; }
    /// <summary>Steps taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>
    /// One update on the batch (x, y) shared by all members: y is [B] int64 for cross-entropy or [B, OutputDim]
    /// for MSE. Returns the member losses before the update.
    /// </summary>
    public StepResult Step(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        foreach (Group g in _groups)
        {
            foreach (Parameter p in g.Parameters)
            {
                p.grad?.zero_();
            }
        }
        Tensor losses = MemberLosses(_model.MemberOutputs(x), y, Rule.Loss);
        Tensor total = losses.sum();
        total.backward();
        using (no_grad())
        {
            foreach (Group g in _groups)
            {
                Update(g);
            }
        }
        Steps++;
        double[] values = losses.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        return new StepResult(values, values.Sum());
    }

    /// <summary>The member losses on (x, y) without training (no gradients).</summary>
    public StepResult Evaluate(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor losses = MemberLosses(_model.MemberOutputs(x), y, Rule.Loss);
        double[] values = losses.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        return new StepResult(values, values.Sum());
    }

    private void Update(Group g)
    {
        for (int i = 0; i < g.Parameters.Length; i++)
        {
            Parameter p = g.Parameters[i];
            Tensor? grad = p.grad;
            if (grad is null)
            {
                continue;
            }
            Tensor d = g.WeightDecay > 0 ? grad.AddScaled(p, g.WeightDecay) : grad;
            if (Rule.Momentum > 0)
            {
                Tensor? buf = g.Momentum[i];
                if (buf is null)
                {
                    buf = d.detach().clone().DetachFromDisposeScope();
                    g.Momentum[i] = buf;
                }
                else
                {
                    buf.MulBy_(Rule.Momentum).add_(d);
                }
                d = buf;
            }
            p.AddScaled_(d, -g.LearningRate);
        }
    }

    /// <summary>
    /// Per-member losses [M] of member outputs [M, B, D] against labels shared by all members:
    /// mean cross-entropy (y [B] int64) or half squared error (y [B, D]; see <see cref="LossKind.Mse"/>).
    /// </summary>
    public static Tensor MemberLosses(Tensor outputs, Tensor y, LossKind loss)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(y);
        if (outputs.dim() != 3)
        {
            throw new ArgumentException($"member outputs must be [M, B, D], got [{string.Join(", ", outputs.shape)}]");
        }
        long m = outputs.shape[0], b = outputs.shape[1];
        using var scope = NewDisposeScope();
        Tensor result;
        if (loss == LossKind.CrossEntropy)
        {
            if (y.dim() != 1 || y.shape[0] != b)
            {
                throw new ArgumentException($"cross-entropy labels must be [{b}] int64, got [{string.Join(", ", y.shape)}]");
            }
            Tensor logp = outputs.log_softmax(-1);
            Tensor index = y.to_type(ScalarType.Int64).to(outputs.device).view(1, b, 1).expand(m, b, 1);
            result = logp.gather(2, index).squeeze(2).mean([1]).neg();
        }
        else
        {
            if (y.dim() != 2 || y.shape[0] != b || y.shape[1] != outputs.shape[2])
            {
                throw new ArgumentException($"MSE targets must be [{b}, {outputs.shape[2]}], got [{string.Join(", ", y.shape)}]");
            }
            Tensor diff = outputs - y.to(outputs.dtype, outputs.device).unsqueeze(0);
            result = diff.square().sum([2]).mean([1]).MulBy(0.5);
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Frees the momentum buffers.</summary>
    public void Dispose()
    {
        foreach (Group g in _groups)
        {
            for (int i = 0; i < g.Momentum.Length; i++)
            {
                g.Momentum[i]?.Dispose();
                g.Momentum[i] = null;
            }
        }
    }
}
