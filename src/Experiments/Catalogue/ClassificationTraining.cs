using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Metrics;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>Metrics after one epoch of training.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean summed-over-members loss of the epoch's mini-batches.</param>
/// <param name="Test">Test-set metrics of the ensemble and its members.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, ClassificationMetrics Test);

/// <summary>The result of training one ensemble on a classification task.</summary>
/// <param name="Epochs">Per-epoch metrics.</param>
/// <param name="Test">Final test metrics.</param>
/// <param name="Train">Final train metrics.</param>
/// <param name="Parameters">Parameter counts.</param>
/// <param name="Diverged">True when the loss became NaN or infinite; training stopped there.</param>
/// <param name="EpochsTrained">Epochs actually trained (fewer than the configuration's when its plateau rule stopped it).</param>
public sealed record TrainingOutcome(IReadOnlyList<EpochMetrics> Epochs, ClassificationMetrics Test, ClassificationMetrics Train, ParameterCount Parameters, bool Diverged, int EpochsTrained);

/// <summary>
/// Trains an ensemble MLP or CNN with mini-batch SGD under the two-group rule. Each epoch's order comes from
/// (seed, epoch), not from one permutation repeated every epoch. Memory stays flat: every step and
/// every evaluation runs in its own dispose scope.
/// </summary>
public static class ClassificationTraining
{
    /// <summary>Trains <paramref name="config"/> on <paramref name="data"/> with seeds derived from <paramref name="context"/>.</summary>
    public static TrainingOutcome Train(TrainConfig config, TaskData data, CellContext context, bool everyEpoch = true)
    {
        using IEnsembleModel model = config.BuildModel(data.InputShape, data.Classes, context.SeedFor("init"), context.Device);
        using var trainer = new EnsembleTrainer(model, config.Rule(LossKind.CrossEntropy));
        using Tensor trainX = data.TrainX.to(context.Device), trainY = data.TrainY.to(context.Device);
        using Tensor testX = data.TestX.to(context.Device), testY = data.TestY.to(context.Device);
        long n = trainX.shape[0];
        long probe = Math.Min(n, config.Plateau?.ProbeSize ?? 0);
        using Tensor probeX = trainX.narrow(0, 0, probe), probeY = trainY.narrow(0, 0, probe);
        var probeAccuracy = new List<double>();
        var epochs = new List<EpochMetrics>();
        bool diverged = false, plateaued = false;
        int epoch = 0;
        while (epoch < config.Epochs && !diverged && !plateaued)
        {
            epoch++;
            using var order = TorchRuntime.Generator(context.SeedFor($"order/epoch-{epoch}"));
            using Tensor permutation = randperm(n, generator: order).to(context.Device);
            double lossSum = 0;
            int batches = 0;
            for (long start = 0; start < n; start += config.BatchSize)
            {
                using var scope = NewDisposeScope();
                Tensor index = permutation.narrow(0, start, Math.Min(config.BatchSize, n - start));
                StepResult step = trainer.Step(trainX.index_select(0, index), trainY.index_select(0, index));
                lossSum += step.SummedLoss;
                batches++;
                if (!double.IsFinite(step.SummedLoss))
                {
                    diverged = true;
                    break;
                }
            }
            if (config.Plateau is { } rule && !diverged)
            {
                probeAccuracy.Add(Evaluate(model, probeX, probeY).MeanMemberAccuracy);
                plateaued = rule.Stops(probeAccuracy);
            }
            if (everyEpoch || epoch == config.Epochs || diverged || plateaued)
            {
                epochs.Add(new EpochMetrics(epoch, lossSum / batches, Evaluate(model, testX, testY)));
            }
        }
        return new TrainingOutcome(epochs, Evaluate(model, testX, testY), Evaluate(model, trainX, trainY), model.Count(), diverged, epoch);
    }

    /// <summary>Ensemble and member metrics of <paramref name="model"/> on (x, y), without gradients.</summary>
    public static ClassificationMetrics Evaluate(IEnsembleModel model, Tensor x, Tensor y)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return EnsembleMetrics.Classification(model.MemberOutputs(x), y);
    }
}
