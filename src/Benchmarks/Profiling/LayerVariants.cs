using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Models;
using EEArtifacts.Benchmarks.Workloads;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Profiling;

/// <summary>One way of computing a hidden BatchEnsemble layer, timed (milliseconds, minimum over rounds).</summary>
/// <param name="Variant">plain (the single network's layer: addmm with the bias, ReLU), library (the library's
/// BatchEnsembleLinear as it is), addmm (scale and bias folded into the GEMM, then u * relu(v * z)), addcmul (the
/// proposed layer: one plain GEMM, then scale, bias and v in one addcmul, ReLU in place, then u).</param>
/// <param name="Width">N (the layer is N to N).</param>
/// <param name="Members">M.</param>
/// <param name="ForwardMs">Forward without autograd.</param>
/// <param name="ForwardBackwardMs">Forward and backward (input, weight, bias and modulation gradients).</param>
public sealed record LayerRow(string Variant, int Width, int Members, double ForwardMs, double ForwardBackwardMs);

/// <summary>
/// The second hidden layer of the benchmark's BatchEnsemble (input [M, B, N] with gradient, as inside the network)
/// computed three ways on the same parameters, to show which of its elementwise passes are avoidable.
/// </summary>
public static class LayerVariants
{
    /// <summary>The variant names, in output order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["plain", "library", "addmm", "addcmul"];

    /// <summary>The layer's output [M, B, N] by variant <paramref name="variant"/>.</summary>
    public static Tensor Compute(string variant, BatchEnsembleLinear layer, Tensor h)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(h);
        using var scope = NewDisposeScope();
        long m = h.shape[0], b = h.shape[1], n = layer.OutFeatures;
        Tensor flat = h.reshape(m * b, h.shape[2]);
        Tensor result = variant switch
        {
            "plain" => nn.functional.relu(nn.functional.linear(flat, layer.Weight, layer.Bias)).reshape(m, b, n),
            "library" => layer.Activate(layer.PreActivation(h)),
            "addmm" => FusedAddmm(layer, flat),
            "addcmul" => FusedAddcmul(layer, flat),
            _ => throw new ArgumentException($"unknown layer variant '{variant}'"),
        };
        return result.MoveToOuterDisposeScope();

        Tensor FusedAddmm(BatchEnsembleLinear l, Tensor x)
        {
            // z = s_b b + s_w x W^T in one GEMM (alpha = s_w, the bias broadcast as its beta term), then u * relu(v * z).
            Tensor z = addmm(l.Bias.mul(l.BiasScale), x, l.Weight.t(), beta: 1, alpha: (float)l.WeightScale).reshape(m, b, n);
            return l.U.unsqueeze(1).mul(nn.functional.relu(z.mul(l.V.unsqueeze(1))));
        }

        Tensor FusedAddcmul(BatchEnsembleLinear l, Tensor x)
        {
            // v * (s_w x W^T + s_b b) = (v * s_b b) + s_w * v * (x W^T): one GEMM and one elementwise pass; ReLU in place
            // (addcmul's backward needs its inputs, not its output), then u.
            Tensor v = l.V.unsqueeze(1);
            Tensor xw = x.mm(l.Weight.t()).reshape(m, b, n);
            Tensor pre = addcmul(v.mul(l.Bias.mul(l.BiasScale)), v, xw, value: l.WeightScale);
            return l.U.unsqueeze(1).mul(pre.relu_());
        }
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
