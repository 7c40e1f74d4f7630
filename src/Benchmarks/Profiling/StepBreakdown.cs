using System.Diagnostics;
using EEArtifacts.Benchmarks.Workloads;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Profiling;

/// <summary>Where one configuration's training step goes, milliseconds (minimum over interleaved rounds).</summary>
/// <param name="Kind">The configuration.</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="StepMs">The whole training step (what the suite times).</param>
/// <param name="ForwardLossMs">Forward pass and member losses with autograd on (NaN for the loop, which steps its networks one by one).</param>
/// <param name="BackwardMs">Forward, loss and backward, minus <paramref name="ForwardLossMs"/>.</param>
/// <param name="UpdateAndRestMs">Step minus forward and backward: zeroing gradients, the SGD update, reading the losses.</param>
/// <param name="InferenceMs">Forward pass without autograd.</param>
public sealed record BreakdownRow(WorkloadKind Kind, int Width, int Members, double StepMs, double ForwardLossMs, double BackwardMs, double UpdateAndRestMs, double InferenceMs);

/// <summary>
/// A stopwatch breakdown of the training step into forward+loss, backward and update, for the configurations the
/// targets concern. Rounds interleave the configurations (so a burst of load from other processes hits them all)
/// and each part keeps its minimum over rounds: interference only ever adds time.
/// </summary>
public static class StepBreakdown
{
    /// <summary>The pseudo-benchmark name --filter patterns are matched against.</summary>
    public const string FilterName = "EEArtifacts.Benchmarks.Profiling.StepBreakdown";

    /// <summary>The configurations broken down.</summary>
    public static IReadOnlyList<WorkloadKind> Kinds { get; } =
        [WorkloadKind.SingleNetwork, WorkloadKind.BatchEnsemble, WorkloadKind.BatchEnsembleTiled, WorkloadKind.IndependentVectorized, WorkloadKind.IndependentLoop];

    /// <summary>Measures every kind at (<paramref name="width"/>, <paramref name="members"/>).</summary>
    public static IReadOnlyList<BreakdownRow> Measure(int width, int members, int rounds)
    {
        var shape = new WorkloadShape(width, members);
        var workloads = Kinds.Select(k => EnsembleWorkload.Create(k, shape)).ToList();
        try
        {
            var best = workloads.Select(_ => new double[4] { double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue }).ToList();
            foreach (EnsembleWorkload w in workloads)
            {
                w.TrainStep(); // warm up: gradients allocated, kernels initialised
                w.Infer();
            }
            for (int r = 0; r < rounds; r++)
            {
                for (int i = 0; i < workloads.Count; i++)
                {
                    EnsembleWorkload w = workloads[i];
                    double[] b = best[i];
                    b[0] = Math.Min(b[0], Time(w.TrainStep));
                    b[3] = Math.Min(b[3], Time(w.Infer));
                    if (w.Kind == WorkloadKind.IndependentLoop)
                    {
                        b[1] = b[2] = double.NaN;
                        continue;
                    }
                    b[1] = Math.Min(b[1], Time(() =>
                    {
                        using Tensor loss = w.ForwardLoss();
                    }));
                    b[2] = Math.Min(b[2], Time(() =>
                    {
                        using Tensor loss = w.ForwardLoss();
                        loss.backward();
                    }));
                }
            }
            return workloads.Select((w, i) => new BreakdownRow(w.Kind, width, members,
                best[i][0], best[i][1], best[i][2] - best[i][1], best[i][0] - best[i][2], best[i][3])).ToList();
        }
        finally
        {
            workloads.ForEach(w => w.Dispose());
        }
    }

    /// <summary>The breakdown's whole steps and inference passes as timings (the interleaved minima), for the targets.</summary>
    public static IReadOnlyList<Analysis.StepTiming> AsTimings(IEnumerable<BreakdownRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var timings = new List<Analysis.StepTiming>();
        foreach (BreakdownRow r in rows)
        {
            int batch = new WorkloadShape(r.Width, r.Members).Batch;
            timings.Add(Analysis.StepTiming.Exact(Analysis.SuiteNames.TrainingStep, r.Kind, r.Width, r.Members, batch, r.StepMs * 1e6));
            timings.Add(Analysis.StepTiming.Exact(Analysis.SuiteNames.Inference, r.Kind, r.Width, r.Members, batch, r.InferenceMs * 1e6));
        }
        return timings;
    }

    /// <summary>
    /// The GEMM ceiling measured the same way as the breakdown: the fastest of <paramref name="repeats"/> in-place
    /// n x n products per size (When = "breakdown_min"), so the interleaved roofline compares minima with a minimum.
    /// </summary>
    public static IReadOnlyList<Analysis.GemmTiming> GemmMinima(IEnumerable<int> sizes, int repeats)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var result = new List<Analysis.GemmTiming>();
        foreach (int n in sizes)
        {
            using var g = new Generator(7);
            using Tensor a = randn([n, n], generator: g), b = randn([n, n], generator: g), c = zeros([n, n]);
            c.addmm_(a, b, beta: 0, alpha: 1);
            double best = double.MaxValue;
            for (int r = 0; r < repeats; r++)
            {
                best = Math.Min(best, Time(() => c.addmm_(a, b, beta: 0, alpha: 1)));
            }
            result.Add(new Analysis.GemmTiming(n, best * 1e6, 0, "breakdown_min"));
        }
        return result;
    }

    /// <summary>Milliseconds one call of <paramref name="action"/> takes.</summary>
    public static double Time(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
