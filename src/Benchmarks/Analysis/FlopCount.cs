using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Analysis;

/// <summary>
/// Analytic floating-point operation counts of the dense (GEMM) work, the "model FLOPs" a roofline compares with
/// the measured GEMM rate. One multiply-add is 2 FLOPs. Elementwise work (bias, activation, modulations, loss,
/// SGD update) is not counted: it is the overhead the achieved fraction exposes.
/// <para>
/// A linear layer with fan-in a, fan-out b on r rows costs 2rab forward; its backward costs 2rab for the weight
/// gradient and 2rab for the input gradient, except in the first layer, whose input needs no gradient.
/// A layer's r is M*B, except the first layer of a shared-weight ensemble on a shared mini-batch
/// (<see cref="WorkloadKinds.SharesFirstLayer"/>): x W^T is the same for every member, computed once on B rows.
/// </para>
/// </summary>
public static class FlopCount
{
    /// <summary>GEMM FLOPs of one forward pass (inference).</summary>
    public static double Forward(WorkloadKind kind, WorkloadShape shape) => Count(kind, shape, training: false);

    /// <summary>GEMM FLOPs of one training step: forward, backward (weight and input gradients).</summary>
    public static double TrainingStep(WorkloadKind kind, WorkloadShape shape) => Count(kind, shape, training: true);

    /// <summary>FLOPs of one n x n by n x n float32 matrix product: 2 n^3.</summary>
    public static double Gemm(int n) => 2.0 * n * n * n;

    private static double Count(WorkloadKind kind, WorkloadShape shape, bool training)
    {
        ArgumentNullException.ThrowIfNull(shape);
        IReadOnlyList<int> sizes = shape.LayerSizes;
        double total = 0;
        for (int l = 0; l + 1 < sizes.Count; l++)
        {
            double rows = l == 0 && kind.SharesFirstLayer() ? shape.Batch : shape.Rows;
            double gemm = 2.0 * rows * sizes[l] * sizes[l + 1];
            total += gemm;
            if (training)
            {
                total += gemm;                 // weight gradient
                total += l == 0 ? 0 : gemm;    // input gradient (the data needs none)
            }
        }
        return total;
    }
}
