using EEArtifacts.Benchmarks.Analysis;
using EEArtifacts.Benchmarks.Workloads;
using EmbeddedEnsembles.Models;

namespace EEArtifacts.Benchmarks.Memory;

/// <summary>
/// Parameter counts (from the models' <see cref="ParameterCount"/>) and measured native memory of every
/// configuration of the grid. See <see cref="NativeMemoryProbe"/> for how native memory is measured and its limits.
/// </summary>
public static class MemoryMeasurement
{
    /// <summary>The pseudo-benchmark name --filter patterns are matched against.</summary>
    public const string FilterName = "EEArtifacts.Benchmarks.Memory.NativeMemory";

    /// <summary>What memory.csv's measured columns mean, for the run record.</summary>
    public const string Method =
        "train_peak_bytes/inference_peak_bytes: kernel peak resident set (VmHWM, reset via /proc/self/clear_refs) minus resident set before one step, " +
        "after two warm-up steps, glibc mmap/trim thresholds fixed at 64 KiB so freed tensor storage leaves the resident set; median of 3. " +
        "train_forward_live_bytes: glibc mallinfo2 bytes in use after the forward pass and loss (autograd graph alive) minus before; " +
        "for the loop, one member's graph (the loop holds one at a time). Parameter columns from ParameterCount, float32.";

    /// <summary>Parameter counts only (no torch work beyond building the models), for every kind of the grid.</summary>
    public static MemoryRow Parameters(WorkloadKind kind, WorkloadShape shape, EnsembleWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ParameterCount count = workload.Count();
        return new MemoryRow(kind, shape.Width, shape.Members, shape.Batch, count.Shared, count.PerMember, count.Total,
            (double)count.Total / shape.SingleNetworkParameters, -1, -1, -1);
    }

    /// <summary>Measures one configuration (the probe must already be pinned by <see cref="NativeMemoryProbe.PinMallocToKernel"/>).</summary>
    public static MemoryRow Measure(WorkloadKind kind, WorkloadShape shape)
    {
        using EnsembleWorkload workload = EnsembleWorkload.Create(kind, shape);
        MemoryRow row = Parameters(kind, shape, workload);
        workload.TrainStep();
        workload.TrainStep();
        long trainPeak = NativeMemoryProbe.MeasurePeak(workload.TrainStep);
        long forwardLive = NativeMemoryProbe.MeasureLive(workload.ForwardLoss);
        workload.Infer();
        long inferencePeak = NativeMemoryProbe.MeasurePeak(workload.Infer);
        return row with { TrainPeakBytes = trainPeak, TrainForwardLiveBytes = forwardLive, InferencePeakBytes = inferencePeak };
    }

    /// <summary>Every configuration of the grid, in grid order; <paramref name="progress"/> hears of each.</summary>
    public static IReadOnlyList<MemoryRow> MeasureGrid(IEnumerable<int> widths, IEnumerable<int> members, Action<string> progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        NativeMemoryProbe.PinMallocToKernel();
        var rows = new List<MemoryRow>();
        foreach (int w in widths)
        {
            foreach (int m in members)
            {
                foreach (WorkloadKind kind in WorkloadKinds.All)
                {
                    MemoryRow row = Measure(kind, new WorkloadShape(w, m));
                    progress($"memory {kind} width={w} M={m}: train peak {row.TrainPeakBytes / 1048576.0:F1} MiB, params {row.ParamBytesTotal / 1048576.0:F2} MiB");
                    rows.Add(row);
                }
            }
        }
        return rows;
    }
}
