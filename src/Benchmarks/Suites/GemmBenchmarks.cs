using BenchmarkDotNet.Attributes;
using EEArtifacts.Benchmarks.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Suites;

/// <summary>
/// Question: how fast is libtorch's float32 GEMM on these cores, in this run? C = A B for n x n matrices, written
/// in place (addmm_ with beta = 0: one sgemm call, no allocation), so the best size gives the roofline's ceiling.
/// </summary>
public class GemmBenchmarks
{
    private Tensor? _a;
    private Tensor? _b;
    private Tensor? _c;

    /// <summary>n.</summary>
    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    /// <summary>The profile's sizes.</summary>
    public static IEnumerable<int> Sizes => BenchmarkGrid.GemmSizes;

    /// <summary>Random A, B and an output C.</summary>
    [GlobalSetup]
    public void Setup()
    {
        ThreadCheck.Record();
        using var g = new Generator(7);
        _a = randn([Size, Size], dtype: ScalarType.Float32, generator: g);
        _b = randn([Size, Size], dtype: ScalarType.Float32, generator: g);
        _c = zeros([Size, Size], dtype: ScalarType.Float32);
    }

    /// <summary>Frees the matrices.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _a?.Dispose();
        _b?.Dispose();
        _c?.Dispose();
    }

    /// <summary>The product of the last call (for tests).</summary>
    public Tensor Result => _c ?? throw new InvalidOperationException("GemmBenchmarks.Setup has not run");

    /// <summary>A and B (for tests).</summary>
    public (Tensor A, Tensor B) Operands => (_a!, _b!);

    /// <summary>C = A B.</summary>
    [Benchmark]
    public void Sgemm() => _c!.addmm_(_a!, _b!, beta: 0, alpha: 1);
}

/// <summary>
/// The same GEMMs again as the run's last suite: other work on a shared machine comes and goes, and the ceiling
/// is the best rate seen before or after the ensemble suites.
/// </summary>
public class GemmBenchmarksAfter : GemmBenchmarks;
