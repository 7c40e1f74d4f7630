using EEArtifacts.Benchmarks.Memory;
using EEArtifacts.Benchmarks.Tests.Support;
using EEArtifacts.Benchmarks.Workloads;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Tests.Memory;

/// Resident-set measurements must not overlap with other tests' allocations.
[CollectionDefinition(nameof(NativeMemory), DisableParallelization = true)]
public sealed class NativeMemory;

/// The native memory measurement sees tensor storage that managed diagnostics cannot.
[Collection(nameof(NativeMemory))]
public class NativeMemoryProbeTests
{
    public NativeMemoryProbeTests() => Torch.Init();

    [Fact]
    public void PeakOfATransientTensorIsItsSize()
    {
        Assert.True(NativeMemoryProbe.IsSupported);
        NativeMemoryProbe.PinMallocToKernel();
        const long bytes = 32L << 20;
        long peak = NativeMemoryProbe.MeasurePeak(() =>
        {
            using Tensor t = ones(bytes / 4, dtype: ScalarType.Float32); // touches every page
        });
        Assert.InRange(peak, bytes * 0.95, bytes * 1.25);
        // Freed storage went back: nothing of it stays resident.
        long live = NativeMemoryProbe.MeasureLive(() => ones(1));
        Assert.InRange(live, 0, 1 << 20);
    }

    [Fact]
    public void ForwardLiveBytesIncludeTheActivationsKeptForBackward()
    {
        NativeMemoryProbe.PinMallocToKernel();
        var shape = new WorkloadShape(Width: 1024, Members: 4);
        using EnsembleWorkload w = EnsembleWorkload.Create(WorkloadKind.SingleNetwork, shape);
        w.TrainStep();
        long live = NativeMemoryProbe.MeasureLive(w.ForwardLoss);
        // Two hidden layers keep at least their [M*B, N] float32 outputs for backward.
        long activations = 2L * shape.Rows * shape.Width * 4;
        Assert.InRange(live, activations, 8 * activations);
    }
}
