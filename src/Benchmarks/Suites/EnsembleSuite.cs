using BenchmarkDotNet.Attributes;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Suites;

/// <summary>
/// The grid and setup shared by the two ensemble suites: one case per (configuration, width, M). Each case builds
/// only its own configuration (target-specific GlobalSetup) and frees it afterwards.
/// </summary>
public abstract class EnsembleSuite
{
    /// <summary>Hidden width N.</summary>
    [ParamsSource(nameof(Widths))]
    public int Width { get; set; }

    /// <summary>Ensemble size M.</summary>
    [ParamsSource(nameof(MemberCounts))]
    public int Members { get; set; }

    /// <summary>The profile's widths.</summary>
    public static IEnumerable<int> Widths => BenchmarkGrid.Widths;

    /// <summary>The profile's ensemble sizes.</summary>
    public static IEnumerable<int> MemberCounts => BenchmarkGrid.Members;

    /// <summary>The case's workload (null outside a case).</summary>
    protected EnsembleWorkload? Workload { get; private set; }

    /// <summary>Builds the single network.</summary>
    [GlobalSetup(Target = nameof(WorkloadKind.SingleNetwork))]
    public void SetupSingleNetwork() => Setup(WorkloadKind.SingleNetwork);

    /// <summary>Builds the BatchEnsemble.</summary>
    [GlobalSetup(Target = nameof(WorkloadKind.BatchEnsemble))]
    public void SetupBatchEnsemble() => Setup(WorkloadKind.BatchEnsemble);

    /// <summary>Builds the BatchEnsemble with tiled input.</summary>
    [GlobalSetup(Target = nameof(WorkloadKind.BatchEnsembleTiled))]
    public void SetupBatchEnsembleTiled() => Setup(WorkloadKind.BatchEnsembleTiled);

    /// <summary>Builds the MC-dropout ensemble.</summary>
    [GlobalSetup(Target = nameof(WorkloadKind.McDropout))]
    public void SetupMcDropout() => Setup(WorkloadKind.McDropout);

    /// <summary>Builds the vectorized independent ensemble.</summary>
    [GlobalSetup(Target = nameof(WorkloadKind.IndependentVectorized))]
    public void SetupIndependentVectorized() => Setup(WorkloadKind.IndependentVectorized);

    /// <summary>Builds the loop of independent networks.</summary>
    [GlobalSetup(Target = nameof(WorkloadKind.IndependentLoop))]
    public void SetupIndependentLoop() => Setup(WorkloadKind.IndependentLoop);

    /// <summary>Frees the case's tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Workload?.Dispose();
        Workload = null;
    }

    /// <summary>The workload, or a clear error when a benchmark runs without its setup.</summary>
    protected EnsembleWorkload Current => Workload ?? throw new InvalidOperationException("benchmark ran without its GlobalSetup");

    private void Setup(WorkloadKind kind)
    {
        ThreadCheck.Record();
        Workload = EnsembleWorkload.Create(kind, new WorkloadShape(Width, Members));
    }
}

/// <summary>Question: what does one training step (forward, backward, SGD) cost, relative to one network on M*B rows?</summary>
public class TrainingStepBenchmarks : EnsembleSuite
{
    /// <summary>One plain network on M*B rows: the compute floor.</summary>
    [Benchmark(Baseline = true)]
    public void SingleNetwork() => Current.TrainStep();

    /// <summary>BatchEnsemble, shared mini-batch.</summary>
    [Benchmark]
    public void BatchEnsemble() => Current.TrainStep();

    /// <summary>BatchEnsemble, each member its own B rows.</summary>
    [Benchmark]
    public void BatchEnsembleTiled() => Current.TrainStep();

    /// <summary>MC-dropout ensemble.</summary>
    [Benchmark]
    public void McDropout() => Current.TrainStep();

    /// <summary>Independent ensemble, one vectorized pass.</summary>
    [Benchmark]
    public void IndependentVectorized() => Current.TrainStep();

    /// <summary>Independent ensemble, M networks one after another.</summary>
    [Benchmark]
    public void IndependentLoop() => Current.TrainStep();
}

/// <summary>Question: what does one inference pass (no autograd) cost, relative to one network on M*B rows?</summary>
public class InferenceBenchmarks : EnsembleSuite
{
    /// <summary>One plain network on M*B rows: the compute floor.</summary>
    [Benchmark(Baseline = true)]
    public void SingleNetwork() => Current.Infer();

    /// <summary>BatchEnsemble, shared mini-batch.</summary>
    [Benchmark]
    public void BatchEnsemble() => Current.Infer();

    /// <summary>BatchEnsemble, each member its own B rows.</summary>
    [Benchmark]
    public void BatchEnsembleTiled() => Current.Infer();

    /// <summary>MC-dropout ensemble.</summary>
    [Benchmark]
    public void McDropout() => Current.Infer();

    /// <summary>Independent ensemble, one vectorized pass.</summary>
    [Benchmark]
    public void IndependentVectorized() => Current.Infer();

    /// <summary>Independent ensemble, M networks one after another.</summary>
    [Benchmark]
    public void IndependentLoop() => Current.Infer();
}
