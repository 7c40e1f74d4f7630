using BenchmarkDotNet.Attributes;
using EEArtifacts.Benchmarks.Workloads;
using EmbeddedEnsembles.Kernels.Empirical;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Suites;

/// <summary>
/// Question: what does the infinite-width theory cost to evaluate, against measuring a finite ensemble's kernels?
/// The analytic kernels (NNGP and NTK parts, THEORY.md section 2) of a depth-2 BatchEnsemble on n inputs: ReLU in
/// closed form (the baseline) and erf (closed form per modulation, adaptive quadrature over the Gaussian laws); against the empirical kernels of one finite
/// ReLU ensemble of width N built from the same description: the exact layerwise NTK (shared and member parts), the
/// same by full Jacobians (autograd reference), and the conditional NNGP. Float64 throughout, as the theory computes.
/// </summary>
public class KernelBenchmarks
{
    /// <summary>Input dimension of the kernel inputs.</summary>
    public const int InputDim = 8;

    private double[,] _x = new double[0, 0];
    private MlpSpec _relu = new();
    private MlpSpec _erf = new();
    private EnsembleMlp? _model;

    /// <summary>Number of inputs n (kernels are n x n).</summary>
    [ParamsSource(nameof(PointCounts))]
    public int Points { get; set; }

    /// <summary>Network width of the finite ensembles the empirical kernels measure (the analytic ones do not depend on it).</summary>
    [ParamsSource(nameof(Widths))]
    public int Width { get; set; }

    /// <summary>The profile's numbers of inputs.</summary>
    public static IEnumerable<int> PointCounts => BenchmarkGrid.KernelPoints;

    /// <summary>The profile's kernel widths.</summary>
    public static IEnumerable<int> Widths => BenchmarkGrid.KernelWidths;

    /// <summary>The ensembles' description (a BatchEnsemble with collective gauss(1, 0.5) modulations) for an activation.</summary>
    public static MlpSpec SpecOf(Activation activation, int width) => new()
    {
        Family = EnsembleFamily.BatchEnsemble,
        InputDim = InputDim,
        Width = width,
        Depth = 2,
        OutputDim = 1,
        Members = 4,
        Activation = activation,
        ULaw = new GaussLaw(1, 0.5),
        VLaw = new GaussLaw(1, 0.5),
    };

    /// <summary>n inputs on the sphere of radius sqrt(InputDim) (a fixed pseudo-random draw).</summary>
    public static double[,] Inputs(int points)
    {
        var random = new Random(11);
        var x = new double[points, InputDim];
        for (int i = 0; i < points; i++)
        {
            double norm = 0;
            for (int j = 0; j < InputDim; j++)
            {
                // Box-Muller normal draws.
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                x[i, j] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                norm += x[i, j] * x[i, j];
            }
            double scale = Math.Sqrt(InputDim / norm);
            for (int j = 0; j < InputDim; j++)
            {
                x[i, j] *= scale;
            }
        }
        return x;
    }

    /// <summary>Builds the inputs and descriptions.</summary>
    [GlobalSetup]
    public void Setup()
    {
        ThreadCheck.Record();
        _x = Inputs(Points);
        _relu = SpecOf(Activation.Relu, Width);
        // v ~ sign(1): erf in closed form per atom of v. Under a Gaussian v law the rule nests adaptive quadratures
        // (seconds per input pair), which at 64 points kept the quick suite running for hours.
        _erf = SpecOf(Activation.Erf, Width) with { VLaw = new SignLaw(1) };
        _model = new EnsembleMlp(_relu, seed: 5, ScalarType.Float64);
    }

    /// <summary>Frees the finite ensemble.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _model?.Dispose();
        _model = null;
    }

    private EnsembleMlp Model => _model ?? throw new InvalidOperationException("KernelBenchmarks.Setup has not run");

    /// <summary>Analytic kernels, ReLU closed form.</summary>
    [Benchmark(Baseline = true)]
    public EnsembleKernels AnalyticRelu() => AnalyticKernels.Compute(_relu, _x);

    /// <summary>Analytic kernels, erf (u by its Gaussian law, v by its two atoms).</summary>
    [Benchmark]
    public EnsembleKernels AnalyticErfQuadrature() => AnalyticKernels.Compute(_erf, _x);

    /// <summary>Empirical NTK of the finite ensemble, layerwise exact (shared and member parts).</summary>
    [Benchmark]
    public EmpiricalNtk EmpiricalNtkLayerwise() => EmpiricalKernels.Ntk(Model, _x);

    /// <summary>Empirical NTK by full Jacobians (autograd), the reference.</summary>
    [Benchmark]
    public EmpiricalNtk EmpiricalNtkAutograd() => EmpiricalKernels.NtkByAutograd(Model, _x);

    /// <summary>Conditional NNGP of the finite ensemble (one initialization).</summary>
    [Benchmark]
    public double[,] EmpiricalConditionalNngp() => EmpiricalKernels.ConditionalNngp(Model, _x);
}

/// <summary>
/// The analytic kernels at the size issue 18 sets a target for: n = 1000 inputs, L = 3, ReLU, the `kernels` command's
/// default ensemble (BatchEnsemble, sign(1) modulations); under 1 s end to end is the target, and this times the
/// kernel work alone (the command adds start-up and the output: `ee-experiments kernels --inputs X.csv --format npy
/// --out DIR` writes 80 MB of .npy, the kernels and their error bounds; JSON 105 MB of text).
/// </summary>
public class AnalyticKernelScaleBenchmarks() : FixedInputKernelBenchmarks(points: 1000)
{
    private readonly MlpSpec _spec = new() { InputDim = KernelBenchmarks.InputDim, Depth = 3 };

    /// <summary>Analytic kernels of 1000 inputs, ReLU, L = 3.</summary>
    [Benchmark]
    public EnsembleKernels AnalyticReluThousandPointsDepth3() => AnalyticKernels.Compute(_spec, X);

    /// <summary>The same on every core, as the `kernels` command runs it (the same bits as on one).</summary>
    [Benchmark]
    public EnsembleKernels AnalyticReluThousandPointsDepth3AllCores() => AnalyticKernels.Compute(_spec, X, threads: Environment.ProcessorCount);
}

/// <summary>
/// tanh under a Gaussian v law (issue 18): the analytic kernels of 8 inputs, L = 2, BatchEnsemble with u = v =
/// gauss(1,0.5), by the fixed polar rules of <see cref="GaussLawKernelRule"/> (36 same-member and 36 cross-member
/// moment pairs per layer; the nested adaptive rules took seconds per pair). The per-law weights and the smoothed
/// activation's table are built on the first call and shared by the process, so this times the warm cost.
/// </summary>
public class GaussLawSmoothKernelBenchmarks() : FixedInputKernelBenchmarks(points: 8)
{
    private readonly MlpSpec _spec = new()
    {
        InputDim = KernelBenchmarks.InputDim, Depth = 2, Activation = Activation.Parse("tanh"),
        ULaw = new GaussLaw(1, 0.5), VLaw = new GaussLaw(1, 0.5),
    };

    /// <summary>Analytic kernels of 8 inputs, tanh, v ~ gauss(1,0.5), L = 2.</summary>
    [Benchmark]
    public EnsembleKernels AnalyticTanhGaussianV() => AnalyticKernels.Compute(_spec, X);
}

/// <summary>The setup of a kernel question at one fixed number of inputs: <see cref="KernelBenchmarks.Inputs"/>, drawn once.</summary>
/// <param name="points">n.</param>
public abstract class FixedInputKernelBenchmarks(int points)
{
    /// <summary>The inputs, n x <see cref="KernelBenchmarks.InputDim"/>.</summary>
    protected double[,] X { get; private set; } = new double[0, 0];

    /// <summary>Draws the inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        ThreadCheck.Record();
        X = KernelBenchmarks.Inputs(points);
    }
}
