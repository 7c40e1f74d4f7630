using EEArtifacts.Experiments.Catalogue;
using EmbeddedEnsembles.Cost;

namespace EEArtifacts.Experiments.Cost;

/// <summary>
/// The GEMM FLOPs of one SGD step of a training configuration, by the library's one rule (<see cref="GemmFlops"/>:
/// 2 FLOPs per multiply-add; forward, weight gradient and input gradient; a shared first layer on B rows).
/// </summary>
public static class StepFlops
{
    /// <summary>FLOPs of one step of <paramref name="config"/> on a full batch of its task <paramref name="shape"/>.</summary>
    public static double PerStep(TrainConfig config, TaskShape shape) => GemmFlops.TrainingStep(config.Architecture == Architecture.Mlp
        ? GemmFlops.Of(config.MlpSpec(shape.InputShape, shape.Classes), config.BatchSize)
        : GemmFlops.Of(config.CnnSpec(shape.InputShape, shape.Classes), config.BatchSize));
}
