using EEArtifacts.Benchmarks.Suites;
using EEArtifacts.Benchmarks.Tests.Support;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Tests.Workloads;

/// The benchmark classes' own setup, benchmark and cleanup methods, called the way BenchmarkDotNet calls them.
public class SuiteSetupTests
{
    public SuiteSetupTests() => Torch.Init();

    [Fact]
    public void EveryEnsembleBenchmarkRunsAfterItsOwnSetup()
    {
        var training = new TrainingStepBenchmarks { Width = 8, Members = 2 };
        var inference = new InferenceBenchmarks { Width = 8, Members = 2 };
        foreach (WorkloadKind kind in WorkloadKinds.All)
        {
            typeof(EnsembleSuite).GetMethod("Setup" + kind)!.Invoke(training, null);
            typeof(TrainingStepBenchmarks).GetMethod(kind.ToString())!.Invoke(training, null);
            training.Cleanup();
            typeof(EnsembleSuite).GetMethod("Setup" + kind)!.Invoke(inference, null);
            typeof(InferenceBenchmarks).GetMethod(kind.ToString())!.Invoke(inference, null);
            inference.Cleanup();
        }
        Assert.NotNull(ThreadCheck.Observed);
    }

    [Fact]
    public void EveryBenchmarkMethodIsAWorkloadKindWithTheSingleNetworkAsBaseline()
    {
        foreach (Type suite in new[] { typeof(TrainingStepBenchmarks), typeof(InferenceBenchmarks) })
        {
            var methods = suite.GetMethods()
                .Select(m => (m, attr: m.GetCustomAttributes(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false)
                    .Cast<BenchmarkDotNet.Attributes.BenchmarkAttribute>().SingleOrDefault()))
                .Where(p => p.attr is not null)
                .ToList();
            Assert.Equal(WorkloadKinds.All.Select(k => k.ToString()).Order(), methods.Select(p => p.m.Name).Order());
            Assert.Equal(nameof(WorkloadKind.SingleNetwork), methods.Single(p => p.attr!.Baseline).m.Name);
        }
    }

    [Fact]
    public void TheGemmBenchmarkComputesTheProduct()
    {
        var gemm = new GemmBenchmarks { Size = 16 };
        gemm.Setup();
        gemm.Sgemm();
        (TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) = gemm.Operands;
        using var expected = a.matmul(b);
        Torch.Close(gemm.Result, expected, 1e-6);
        gemm.Cleanup();
    }

    [Fact]
    public void ParamsSourcesFollowTheActiveProfile()
    {
        Assert.Equal(BenchmarkGrid.Current.Widths, EnsembleSuite.Widths);
        Assert.Equal(BenchmarkGrid.Current.Members, EnsembleSuite.MemberCounts);
        Assert.Equal(BenchmarkGrid.Current.GemmSizes, GemmBenchmarks.Sizes);
    }
}

/// The kernel suite's setup.
public class KernelSuiteTests
{
    public KernelSuiteTests() => Torch.Init();

    [Fact]
    public void InputsLieOnTheSphereAndTheKernelsAreNByN()
    {
        double[,] x = KernelBenchmarks.Inputs(5);
        Assert.Equal(5, x.GetLength(0));
        Assert.Equal(KernelBenchmarks.InputDim, x.GetLength(1));
        for (int i = 0; i < 5; i++)
        {
            double norm = Enumerable.Range(0, KernelBenchmarks.InputDim).Sum(j => x[i, j] * x[i, j]);
            Assert.Equal(KernelBenchmarks.InputDim, norm, 9);
        }
        var suite = new KernelBenchmarks { Points = 5, Width = 32 };
        suite.Setup();
        Assert.Equal(5, suite.AnalyticRelu().Points);
        Assert.Equal(5, suite.AnalyticErfQuadrature().NngpSame.GetLength(1));
        // The empirical kernels of the finite ensemble come out member-major (M n) x (M n) and agree with each other.
        var layerwise = suite.EmpiricalNtkLayerwise();
        var autograd = suite.EmpiricalNtkAutograd();
        Assert.Equal(4 * 5, layerwise.Shared.GetLength(0));
        for (int i = 0; i < 20; i++)
        {
            for (int j = 0; j < 20; j++)
            {
                Assert.Equal(autograd.Shared[i, j], layerwise.Shared[i, j], 1e-8 * (1 + Math.Abs(autograd.Shared[i, j])));
            }
        }
        Assert.Equal(20, suite.EmpiricalConditionalNngp().GetLength(0));
        suite.Cleanup();
    }
}

/// The stopwatch profiling's own bookkeeping.
public class ProfilingTests
{
    public ProfilingTests() => Torch.Init();

    [Fact]
    public void BreakdownCoversEveryKindAndLeavesTheLoopsPartsOpen()
    {
        var rows = EEArtifacts.Benchmarks.Profiling.StepBreakdown.Measure(width: 8, members: 2, rounds: 1);
        Assert.Equal(EEArtifacts.Benchmarks.Profiling.StepBreakdown.Kinds, rows.Select(r => r.Kind));
        Assert.All(rows, r => Assert.True(r.StepMs > 0 && r.InferenceMs > 0));
        var loop = rows.Single(r => r.Kind == WorkloadKind.IndependentLoop);
        Assert.True(double.IsNaN(loop.ForwardLossMs) && double.IsNaN(loop.BackwardMs));
        Assert.All(rows.Where(r => r.Kind != WorkloadKind.IndependentLoop), r => Assert.True(r.ForwardLossMs > 0));
    }

    [Fact]
    public void GemmMinimaAreLabelledAndPositive()
    {
        var gemms = EEArtifacts.Benchmarks.Profiling.StepBreakdown.GemmMinima([16, 32], repeats: 2);
        Assert.Equal([16, 32], gemms.Select(g => g.Size));
        Assert.All(gemms, g => Assert.True(g.MedianNs > 0 && g.When == "breakdown_min"));
    }
}
