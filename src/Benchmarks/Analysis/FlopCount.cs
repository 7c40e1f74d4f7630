using EEArtifacts.Benchmarks.Workloads;
using EmbeddedEnsembles.Cost;

namespace EEArtifacts.Benchmarks.Analysis;

/// <summary>
/// Analytic floating-point operation counts of the dense (GEMM) work, the "model FLOPs" a roofline compares with
/// the measured GEMM rate, by the library's one rule (<see cref="GemmFlops"/>: 2 FLOPs per multiply-add; forward,
/// weight gradient and input gradient; the first layer of a shared-weight ensemble on a shared mini-batch,
/// <see cref="WorkloadKinds.SharesFirstLayer"/>, runs once on B rows). Elementwise work is the overhead the achieved
/// fraction exposes.
/// </summary>
public static class FlopCount
{
    /// <summary>GEMM FLOPs of one forward pass (inference).</summary>
    public static double Forward(WorkloadKind kind, WorkloadShape shape) => GemmFlops.Forward(Gemms(kind, shape));

    /// <summary>GEMM FLOPs of one training step: forward, backward (weight and input gradients).</summary>
    public static double TrainingStep(WorkloadKind kind, WorkloadShape shape) => GemmFlops.TrainingStep(Gemms(kind, shape));

    /// <summary>FLOPs of one n x n by n x n float32 matrix product: 2 n^3.</summary>
    public static double Gemm(int n) => 2.0 * n * n * n;

    private static IReadOnlyList<GemmLayer> Gemms(WorkloadKind kind, WorkloadShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return GemmFlops.FullyConnected(shape.LayerSizes, shape.Batch, shape.Members, kind.SharesFirstLayer());
    }
}
