using System.Diagnostics;
using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Kernels.Empirical;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

public class EmpiricalKernelTests(ITestOutputHelper output)
{
    static EmpiricalKernelTests() => T.Init();

    public static TheoryData<string, string, string, string, bool, int> TinyNetworks => new()
    {
        { "BatchEnsemble", "relu", "gauss(1,0.5)", "sign(1)", false, 1 },
        { "BatchEnsemble", "tanh", "sign(1)", "gauss(0.5,1)", true, 2 },
        { "BatchEnsemble", "gelu", "const(1)", "gauss(1,0.5)", false, 1 },
        { "BatchEnsemble", "erf", "gauss(1,0.5)", "gauss(1,0.5)", true, 1 },
        { "McDropout", "relu", "bernoulli(0.6)", "const(1)", false, 2 },
        { "McDropout", "tanh", "bernoulli(0.5)", "const(1)", true, 1 },
        { "Independent", "relu", "sign(1)", "sign(1)", false, 1 },
        { "Independent", "erf", "sign(1)", "sign(1)", true, 2 },
    };

    [Theory]
    [MemberData(nameof(TinyNetworks))]
    public void LayerwiseNtkEqualsTheFullJacobianNtk(string family, string activation, string u, string v, bool memberBias, int outputs)
    {
        var spec = new MlpSpec
        {
            Family = Enum.Parse<EnsembleFamily>(family), InputDim = 3, Width = 6, Depth = 3, OutputDim = outputs, Members = 3,
            Activation = Activation.Parse(activation), ULaw = ModulationLaw.Parse(u), VLaw = ModulationLaw.Parse(v),
            SigmaW = 1.3, SigmaB = 0.4, MemberReadoutBias = memberBias,
        };
        double[,] x = KernelTestData.Points(4, 3, 31);
        using var model = new EnsembleMlp(spec, 17, ScalarType.Float64);
        EmpiricalNtk layerwise = EmpiricalKernels.Ntk(model, x);
        EmpiricalNtk jacobian = EmpiricalKernels.NtkByAutograd(model, x);
        // Both are exact float64 computations of the same sums in different orders: 1e-12 relative.
        double scale = Matrix.Frobenius(jacobian.Shared);
        Assert.True(Matrix.MaxAbsDifference(layerwise.Shared, jacobian.Shared) < 1e-12 * scale,
            $"shared: {Matrix.MaxAbsDifference(layerwise.Shared, jacobian.Shared)}");
        Assert.True(Matrix.MaxAbsDifference(layerwise.Member, jacobian.Member) < 1e-12 * scale,
            $"member: {Matrix.MaxAbsDifference(layerwise.Member, jacobian.Member)}");
        if (spec.Family != EnsembleFamily.BatchEnsemble && !memberBias)
        {
            Assert.All(layerwise.Member.Cast<double>(), t => Assert.Equal(0.0, t));
        }
        if (spec.Family == EnsembleFamily.Independent)
        {
            Assert.All(layerwise.SharedCross.Cast<double>(), t => Assert.Equal(0.0, t));
        }
    }

    public static TheoryData<string> ConvergenceCases => new() { "sign(1)", "gauss(1,0.5)", "const(1)", "mcdropout(0.5)" };

    private static MlpSpec ConvergenceSpec(string law, int width)
    {
        var spec = new MlpSpec
        {
            InputDim = 5, Width = width, Depth = 2, Members = 3, OutputDim = 1,
            Activation = Activation.Relu, SigmaW = 1.5, SigmaB = 0.2,
        };
        return law == "mcdropout(0.5)"
            ? spec with { Family = EnsembleFamily.McDropout, ULaw = new BernoulliLaw(0.5), VLaw = new ConstLaw(1) }
            : spec with { ULaw = ModulationLaw.Parse(law), VLaw = ModulationLaw.Parse(law) };
    }

    [Theory]
    [MemberData(nameof(ConvergenceCases))]
    public void EmpiricalNngpAndNtkConvergeToTheAnalyticKernels(string law)
    {
        // Per width, the readout-conditional NNGP and the exact NTK of 3 initializations (averaged) against the
        // analytic (M n) x (M n) block matrices. Their fluctuations shrink like 1/sqrt(N) (the bias is O(1/N)), so
        // 16x the width should cut the error about 4x. Bounds: at N = 2048 the relative Frobenius error stays below
        // 0.08 (measured 0.01-0.04), and it falls to less than half of its N = 128 value.
        double[,] x = KernelTestData.Points(6, 5, 41, offset: 0.5);
        int[] widths = [128, 512, 2048];
        long[] seeds = [101, 202, 303];
        EnsembleKernels analytic = AnalyticKernels.Compute(ConvergenceSpec(law, 1), x);
        int m = analytic.Spec.Members;
        double[,] nngp = analytic.FullNngp();
        double[,] ntkShared = EnsembleKernels.Blocks(analytic.NtkSharedSame, analytic.NtkSharedCross, m);
        double[,] ntkMember = EnsembleKernels.Blocks(analytic.NtkMember, new double[6, 6], m);
        var errors = new List<(double Nngp, double Shared, double Member)>();
        foreach (int width in widths)
        {
            MlpSpec spec = ConvergenceSpec(law, width);
            double[,] empiricalNngp = EmpiricalKernels.AverageConditionalNngp(spec, x, seeds);
            EmpiricalNtk ntk = EmpiricalKernels.AverageNtk(spec, x, seeds);
            double eMember = Matrix.Frobenius(ntkMember) == 0 ? Matrix.Frobenius(ntk.Member) : Matrix.RelativeError(ntk.Member, ntkMember);
            errors.Add((Matrix.RelativeError(empiricalNngp, nngp), Matrix.RelativeError(ntk.Shared, ntkShared), eMember));
            output.WriteLine($"{law} N = {width}: relative Frobenius error NNGP {errors[^1].Nngp:F4}, Theta^com {errors[^1].Shared:F4}, Theta^ind {errors[^1].Member:F4}");
        }
        foreach (Func<(double Nngp, double Shared, double Member), double> pick in new Func<(double, double, double), double>[] { e => e.Item1, e => e.Item2, e => e.Item3 })
        {
            double first = pick(errors[0]), last = pick(errors[^1]);
            Assert.True(last < 0.08, $"{law}: error {last} at the largest width");
            Assert.True(last < 0.5 * first || last < 1e-12, $"{law}: error did not fall with width ({first} -> {last})");
        }
    }

    public static TheoryData<string, string, string> SingleLayerCases => new()
    {
        { "relu", "gauss(0.5,1)", "gauss(0.5,1)" }, // negative mass: sign-flip terms
        { "tanh", "gauss(1,0.5)", "sign(1)" },      // quadrature in z (a Gaussian v law takes minutes per pair)
        { "erf", "gauss(1,0.5)", "gauss(0.5,1)" },  // closed form in z, composite rule in v with mass near 0
        { "gelu", "const(1)", "sign(1)" },
        { "relu", "bernoulli(0.5)", "const(1)" },   // MC-dropout
    };

    [Theory]
    [MemberData(nameof(SingleLayerCases))]
    public void SingleLayerKernelsMatchEveryLayerFormulaAtVeryLargeWidth(string activation, string u, string v)
    {
        // With one hidden layer the pre-activations are exactly Gaussian and the empirical kernels are plain averages
        // over iid neurons: unbiased at any width, with errors ~ 1/sqrt(N). Wide single layers are cheap, so this pins
        // every per-layer moment (C, D, A_u, A_v, same and cross) far more tightly than deep networks can: at N = 2^18
        // one network is within 0.05 relative Frobenius error (measured 0.003-0.028), and 16x the width (from 2^14)
        // cuts the error (expected 4x; single networks fluctuate: erf's Theta^ind under gauss(0.5,1) measured 0.0051-0.0130
        // over 4 seeds at 2^18 and 0.003-0.004 at 2^20, so the bound is 0.75x).
        double[,] x = KernelTestData.Points(5, 4, 43, offset: 0.5);
        var errors = new List<double[]>();
        var baseSpec = new MlpSpec
        {
            InputDim = 4, Depth = 1, Members = 3, Activation = Activation.Parse(activation),
            ULaw = ModulationLaw.Parse(u), VLaw = ModulationLaw.Parse(v), SigmaW = 1.5, SigmaB = 0.2,
        };
        if (u.StartsWith("bernoulli", StringComparison.Ordinal))
        {
            baseSpec = baseSpec with { Family = EnsembleFamily.McDropout };
        }
        EnsembleKernels analytic = AnalyticKernels.Compute(baseSpec, x); // kernels do not depend on the width
        foreach (int width in new[] { 1 << 14, 1 << 18 })
        {
            MlpSpec spec = baseSpec with { Width = width };
            using var model = new EnsembleMlp(spec, 1, ScalarType.Float64);
            double[,] nngp = EmpiricalKernels.ConditionalNngp(model, x);
            EmpiricalNtk ntk = EmpiricalKernels.Ntk(model, x);
            var e = new List<double>
            {
                Matrix.RelativeError(nngp, analytic.FullNngp()),
                Matrix.RelativeError(ntk.Shared, EnsembleKernels.Blocks(analytic.NtkSharedSame, analytic.NtkSharedCross, 3)),
            };
            if (spec.Family == EnsembleFamily.BatchEnsemble)
            {
                e.Add(Matrix.RelativeError(ntk.MemberSame, analytic.NtkMember));
            }
            errors.Add(e.ToArray());
            output.WriteLine($"{activation} u={u} v={v} N = {width}: relative errors NNGP, Theta^com, Theta^ind = {string.Join(", ", e.Select(t => t.ToString("F4")))}");
        }
        for (int i = 0; i < errors[0].Length; i++)
        {
            Assert.True(errors[1][i] < 0.05, $"error {errors[1][i]} at N = 2^18");
            Assert.True(errors[1][i] < 0.75 * errors[0][i], $"error did not fall: {errors[0][i]} -> {errors[1][i]}");
        }
    }

    public static TheoryData<string, string, string, string> OtherCases => new()
    {
        { "BatchEnsemble", "tanh", "gauss(1,0.5)", "sign(1)" }, // a Gaussian v law takes minutes per pair with tanh
        { "BatchEnsemble", "erf", "sign(1)", "gauss(0.5,1)" },
        { "BatchEnsemble", "gelu", "const(1)", "sign(1)" },
        { "Independent", "relu", "sign(1)", "sign(1)" },
    };

    [Theory]
    [MemberData(nameof(OtherCases))]
    public void QuadratureActivationsAndIndependentEnsemblesConverge(string family, string activation, string u, string v)
    {
        // Depth 2, widths 256 and 4096, 2 initializations each: at 4096 the relative Frobenius error of the NNGP and
        // both NTK parts is below 0.08 (measured 0.02-0.05; heavy laws such as v ~ gauss(0.5,1) fluctuate most) and
        // lower than at 256.
        double[,] x = KernelTestData.Points(5, 4, 43, offset: 0.5);
        var errors = new List<double[]>();
        var baseSpec = new MlpSpec
        {
            Family = Enum.Parse<EnsembleFamily>(family), InputDim = 4, Depth = 2, Members = 2,
            Activation = Activation.Parse(activation), ULaw = ModulationLaw.Parse(u), VLaw = ModulationLaw.Parse(v),
            SigmaW = 1.5, SigmaB = 0.2,
        };
        EnsembleKernels analytic = AnalyticKernels.Compute(baseSpec, x);
        foreach (int width in new[] { 256, 4096 })
        {
            MlpSpec spec = baseSpec with { Width = width };
            long[] seeds = [7, 8];
            double eNngp = Matrix.RelativeError(EmpiricalKernels.AverageConditionalNngp(spec, x, seeds), analytic.FullNngp());
            EmpiricalNtk ntk = EmpiricalKernels.AverageNtk(spec, x, seeds);
            double eShared = Matrix.RelativeError(ntk.Shared, EnsembleKernels.Blocks(analytic.NtkSharedSame, analytic.NtkSharedCross, 2));
            double eMember = family == "Independent"
                ? Matrix.Frobenius(ntk.Member)
                : Matrix.RelativeError(ntk.Member, EnsembleKernels.Blocks(analytic.NtkMember, new double[5, 5], 2));
            errors.Add([eNngp, eShared, eMember]);
            output.WriteLine($"{family} {activation} u={u} v={v} N = {width}: NNGP {eNngp:F4}, Theta^com {eShared:F4}, Theta^ind {eMember:F4}");
        }
        for (int i = 0; i < 3; i++)
        {
            Assert.True(errors[1][i] < 0.08, $"error {errors[1][i]} at N = 4096");
            Assert.True(errors[1][i] < errors[0][i] || errors[1][i] == 0, $"error did not fall: {errors[0][i]} -> {errors[1][i]}");
        }
    }

    [Fact]
    public void ZeroMeanModulationsGiveUncorrelatedMembersWithinStatisticalError()
    {
        // sign(1) laws: Sigma_c = 0 analytically. Plain output products over 150 initializations at width 256:
        // every cross entry within 5 standard errors of 0 (15 entries: a false alarm below 1e-5), and every same
        // entry within 5 standard errors plus 3% (finite-width bias O(1/N)) of Sigma_s.
        double[,] x = KernelTestData.Points(5, 4, 45, offset: 0.5);
        var spec = new MlpSpec { InputDim = 4, Width = 256, Depth = 2, Members = 4, ULaw = new SignLaw(1), VLaw = new SignLaw(1), SigmaW = 1.5, SigmaB = 0.2 };
        EnsembleKernels analytic = AnalyticKernels.Compute(spec, x);
        MonteCarloNngp mc = EmpiricalKernels.OutputCovariance(spec, x, 150, 1000);
        Assert.NotNull(mc.Cross);
        Assert.NotNull(mc.CrossStandardError);
        double worstCross = 0, worstSame = 0;
        for (int i = 0; i < 5; i++)
        {
            for (int j = i; j < 5; j++)
            {
                worstCross = Math.Max(worstCross, Math.Abs(mc.Cross[i, j]) / mc.CrossStandardError[i, j]);
                double allowed = 5 * mc.SameStandardError[i, j] + 0.03 * Math.Abs(analytic.NngpSame[i, j]);
                worstSame = Math.Max(worstSame, Math.Abs(mc.Same[i, j] - analytic.NngpSame[i, j]) / allowed);
            }
        }
        output.WriteLine($"sign(1): max |cross|/SE = {worstCross:F2}; max same deviation / allowance = {worstSame:F2}");
        Assert.True(worstCross < 5, $"cross-member covariance {worstCross} standard errors from 0");
        Assert.True(worstSame < 1, $"same-member covariance off by {worstSame} allowances");
    }

    [Fact]
    public void NonzeroMeanModulationsGivePositiveCrossCovarianceAndTheMonteCarloIsFast()
    {
        // gauss(1, 0.5) (U1 = 1): 200 initializations at width 1024, n = 8, M = 4 of plain output products. Must take
        // seconds (bound 60 s on a busy 2-core machine); Sigma_c > 0 for inputs with positive inner products and
        // agrees with the analytic value within 5 standard errors plus 2% (the O(1/N) bias).
        double[,] x = KernelTestData.Points(8, 4, 47, offset: 1.5);
        var spec = new MlpSpec { InputDim = 4, Width = 1024, Depth = 2, Members = 4, ULaw = new GaussLaw(1, 0.5), VLaw = new GaussLaw(1, 0.5), SigmaW = 1.5, SigmaB = 0.2 };
        EnsembleKernels analytic = AnalyticKernels.Compute(spec, x);
        Assert.True(KernelTestData.AllPositive(analytic.NngpCross, 8));
        var clock = Stopwatch.StartNew();
        MonteCarloNngp mc = EmpiricalKernels.OutputCovariance(spec, x, 200, 5000);
        clock.Stop();
        Assert.NotNull(mc.Cross);
        Assert.NotNull(mc.CrossStandardError);
        double worst = 0;
        for (int i = 0; i < 8; i++)
        {
            for (int j = i; j < 8; j++)
            {
                Assert.True(mc.Cross[i, j] > 0, $"cross covariance [{i},{j}] = {mc.Cross[i, j]}");
                double allowed = 5 * mc.CrossStandardError[i, j] + 0.02 * analytic.NngpCross[i, j];
                worst = Math.Max(worst, Math.Abs(mc.Cross[i, j] - analytic.NngpCross[i, j]) / allowed);
            }
        }
        output.WriteLine($"200 inits, N = 1024, n = 8, M = 4: {clock.Elapsed.TotalSeconds:F1} s; max cross deviation / allowance = {worst:F2}");
        Assert.True(worst < 1);
        Assert.True(clock.Elapsed.TotalSeconds < 60);
    }

    [Fact]
    public void EmpiricalKernelsAreDeterministicAndWideNetworksAreQuick()
    {
        // Width 4096, n = 32, M = 4, depth 2: the layerwise NTK needs no weight-sized Jacobian (bound 60 s, typically ~2 s).
        double[,] x = KernelTestData.Points(32, 6, 49);
        var spec = new MlpSpec { InputDim = 6, Width = 4096, Depth = 2, Members = 4, ULaw = new GaussLaw(1, 0.5), VLaw = new SignLaw(1) };
        var clock = Stopwatch.StartNew();
        using var model = new EnsembleMlp(spec, 3, ScalarType.Float64);
        EmpiricalNtk a = EmpiricalKernels.Ntk(model, x);
        clock.Stop();
        EmpiricalNtk b = EmpiricalKernels.Ntk(model, x);
        output.WriteLine($"N = 4096, n = 32, M = 4: build + NTK {clock.Elapsed.TotalSeconds:F1} s");
        // Same model, same inputs: equal up to the last bits (libtorch's multithreaded CPU matmul may change the
        // summation order between calls, measured 1 ulp; MKL_CBWR pins it, see ARCHITECTURE.md).
        Assert.True(Matrix.MaxAbsDifference(a.Shared, b.Shared) <= 1e-13 * Matrix.Frobenius(a.Shared));
        Assert.True(Matrix.MaxAbsDifference(a.Member, b.Member) <= 1e-13 * Matrix.Frobenius(a.Member));
        Assert.Equal(128, a.Shared.GetLength(0));
        Assert.True(KernelTestData.RelativeMinEigenvalue(a.Shared) > -1e-12);
        Assert.True(clock.Elapsed.TotalSeconds < 60);
    }
}
