using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Models;
using EEArtifacts.Benchmarks.Workloads;
using EmbeddedEnsembles.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Profiling;

/// <summary>One way of computing a hidden BatchEnsemble layer, timed (milliseconds, minimum over rounds).</summary>
/// <param name="Variant">plain (the single network's layer: addmm with the bias, ReLU), unfused (the layer's two halves,
/// Activate(PreActivation(x)): separate scale, bias, v, phi and u passes), addcmul (the former training path: one plain
/// GEMM, scale, bias and v in one addcmul, phi in place, then u), library (BatchEnsembleLinear.MemberForward, the
/// training path: GEMM with a rescaled bias, one multiply by s_w v, phi in place, then u).</param>
/// <param name="Width">N (the layer is N to N).</param>
/// <param name="Members">M.</param>
/// <param name="ForwardMs">Forward without autograd.</param>
/// <param name="ForwardBackwardMs">Forward and backward (input, weight, bias and modulation gradients).</param>
public sealed record LayerRow(string Variant, int Width, int Members, double ForwardMs, double ForwardBackwardMs);

/// <summary>
/// The second hidden layer of the benchmark's BatchEnsemble (input [M, B, N] with gradient, as inside the network)
/// computed four ways on the same parameters, to show what the elementwise passes around the GEMM cost.
/// </summary>
public static class LayerVariants
{
    /// <summary>The variant names, in output order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["plain", "unfused", "addcmul", "library"];

    /// <summary>The layer's output [M, B, N] by variant <paramref name="variant"/>.</summary>
    public static Tensor Compute(string variant, BatchEnsembleLinear layer, Tensor h)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(h);
        using var scope = NewDisposeScope();
        long m = h.shape[0], b = h.shape[1], n = layer.OutFeatures;
        Tensor result = variant switch
        {
            "plain" => nn.functional.relu(nn.functional.linear(h.reshape(m * b, h.shape[2]), layer.Weight, layer.Bias)).reshape(m, b, n),
            "unfused" => layer.Activate(layer.PreActivation(h)),
            "library" => layer.MemberForward(h),
            "addcmul" => AddcmulForm(layer, h),
            _ => throw new ArgumentException($"unknown layer variant '{variant}'"),
        };
        return result.MoveToOuterDisposeScope();
    }

    // The library's former training path: a plain GEMM, then scale, bias and v in one addcmul pass, phi in place, u.
    private static Tensor AddcmulForm(BatchEnsembleLinear layer, Tensor x)
    {
        Tensor v = layer.V.unsqueeze(1);
        using Scalar weightScale = layer.WeightScale.ToScalar(); // disposed here, not by the finalizer mid-call (ScalarArithmetic)
        Tensor pre = addcmul(v.mul(layer.Bias.MulBy(layer.BiasScale)), v, x.matmul(layer.Weight.t()), value: weightScale);
        return layer.U.unsqueeze(1).mul(layer.Activation.ForwardInPlace(pre));
    }

    /// <summary>Times every variant at (<paramref name="width"/>, <paramref name="members"/>), rounds interleaved.</summary>
    public static IReadOnlyList<LayerRow> Measure(int width, int members, int rounds)
    {
        var shape = new WorkloadShape(width, members);
        using var model = new EnsembleMlp(EnsembleWorkload.SpecOf(WorkloadKind.BatchEnsemble, shape), seed: 1);
        var layer = (BatchEnsembleLinear)model.Layers[1];
        using var g = new Generator(3);
        using Tensor h = randn([members, shape.Batch, width], generator: g).requires_grad_(true);
        using Tensor upstream = randn([members, shape.Batch, width], generator: g);
        var forward = Names.ToDictionary(v => v, _ => double.MaxValue);
        var both = Names.ToDictionary(v => v, _ => double.MaxValue);
        for (int r = 0; r <= rounds; r++) // round 0 warms up
        {
            foreach (string v in Names)
            {
                double f = StepBreakdown.Time(() =>
                {
                    using var noGrad = no_grad();
                    using Tensor y = Compute(v, layer, h);
                });
                double fb = StepBreakdown.Time(() =>
                {
                    using Tensor y = Compute(v, layer, h);
                    y.backward([upstream]);
                });
                if (r > 0)
                {
                    forward[v] = Math.Min(forward[v], f);
                    both[v] = Math.Min(both[v], fb);
                }
            }
        }
        return Names.Select(v => new LayerRow(v, width, members, forward[v], both[v])).ToList();
    }
}
