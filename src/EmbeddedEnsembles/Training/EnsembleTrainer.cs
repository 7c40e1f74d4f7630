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
/// whole data set. Each step runs in its own dispose scope; only momentum buffers and the update's constants persist
/// (owned here, freed by <see cref="Dispose"/>), so memory stays flat.
/// </summary>
public sealed class EnsembleTrainer : IDisposable
{
    private readonly IEnsembleModel _model;
    private readonly Group[] _groups;

    /// <summary>
    /// One parameter group with its update constants as native Scalars, made once: a Scalar per parameter and step
    /// cost two native calls each, and an implicit double-to-Scalar can be freed by the finalizer mid-call (see
    /// <see cref="ScalarArithmetic"/>).
    /// </summary>
    private sealed class Group(Parameter[] parameters, double learningRate, double weightDecay, double momentum) : IDisposable
    {
        public Parameter[] Parameters { get; } = parameters;
        public Tensor?[] Momentum { get; } = new Tensor?[parameters.Length];
        public bool HasWeightDecay { get; } = weightDecay > 0;
        public Scalar NegativeLearningRate { get; } = (-learningRate).ToScalar();
        public Scalar WeightDecay { get; } = weightDecay.ToScalar();
        public Scalar MomentumFactor { get; } = momentum.ToScalar();
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            for (int i = 0; i < Momentum.Length; i++)
            {
                Momentum[i]?.Dispose();
                Momentum[i] = null;
            }
            NegativeLearningRate.Dispose();
            WeightDecay.Dispose();
            MomentumFactor.Dispose();
        }
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
            new Group(model.SharedParameters().ToArray(), SharedLearningRate, rule.WeightDecayShared, rule.Momentum),
            new Group(model.ModulationParameters().ToArray(), ModulationLearningRate, rule.WeightDecayModulation, rule.Momentum),
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
        // No gradient instead of a zeroed one: backward then hands each parameter its gradient as computed, where a
        // kept buffer costs a zero_ and an accumulating add per parameter and step (the same values: 0 + g = g). Every
        // parameter of the models is in the graph of every step, so none is left without a gradient.
        foreach (Group g in _groups)
        {
            foreach (Parameter p in g.Parameters)
            {
                p.grad = null;
            }
        }
        Tensor losses = MemberLosses(_model.ClassMajorOutputs(x), y, Rule.Loss);
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
        Tensor losses = MemberLosses(_model.ClassMajorOutputs(x), y, Rule.Loss);
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
            Tensor d = g.HasWeightDecay ? grad.add(p, g.WeightDecay) : grad;
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
                    buf.mul_(g.MomentumFactor).Plus_(d);
                }
                d = buf;
            }
            p.add_(d, g.NegativeLearningRate);
        }
    }

    /// <summary>
    /// Per-member losses [M] of class-major member outputs [M, D, B] (<see cref="IEnsembleModel.ClassMajorOutputs"/>)
    /// against labels shared by all members: mean cross-entropy (y [B] int64) or half squared error (y [B, D]; see
    /// <see cref="LossKind.Mse"/>).
    /// </summary>
    public static Tensor MemberLosses(Tensor outputs, Tensor y, LossKind loss)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(y);
        long[] shape = outputs.shape, labels = y.shape; // one native call each, per step
        if (shape.Length != 3)
        {
            throw new ArgumentException($"class-major member outputs must be [M, D, B], got [{string.Join(", ", shape)}]");
        }
        long m = shape[0], d = shape[1], b = shape[2];
        using var scope = NewDisposeScope();
        Tensor result;
        if (loss == LossKind.CrossEntropy)
        {
            if (labels.Length != 1 || labels[0] != b)
            {
                throw new ArgumentException($"cross-entropy labels must be [{b}] int64, got [{string.Join(", ", labels)}]");
            }
            // log_softmax over the class axis as the middle one: libtorch 2.10's kernel for a short last axis (D = 10)
            // took 40 us forward and about as long backward on [1, 256, 10], the one for an inner axis 4 us (one thread).
            Tensor logp = outputs.log_softmax(1);
            // labels already int64 on the outputs' device (every training loop here) skip two conversion ops a step
            bool ready = y.dtype == ScalarType.Int64 && y.device_type == outputs.device_type && y.device_index == outputs.device_index;
            Tensor labelsAt = ready ? y : y.to_type(ScalarType.Int64).to(outputs.device);
            Tensor target = labelsAt.view(1, b).expand(m, b);
            result = nn.functional.nll_loss(logp, target, reduction: nn.Reduction.None).mean([1]);
        }
        else
        {
            if (labels.Length != 2 || labels[0] != b || labels[1] != d)
            {
                throw new ArgumentException($"MSE targets must be [{b}, {d}], got [{string.Join(", ", labels)}]");
            }
            Tensor diff = outputs - y.to(outputs.dtype, outputs.device).t().unsqueeze(0);
            result = diff.Squared().sum([1]).mean([1]).MulBy(0.5);
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Frees the momentum buffers and the update's constants.</summary>
    public void Dispose()
    {
        foreach (Group g in _groups)
        {
            g.Dispose();
        }
    }
}
