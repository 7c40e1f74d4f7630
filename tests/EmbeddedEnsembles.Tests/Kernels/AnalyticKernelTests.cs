using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Descriptions;
using Xunit.Abstractions;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

public class AnalyticKernelTests(ITestOutputHelper output)
{
    // Pairs with rho = 0.3, -0.7, +1 and 0.9; effective variances (scale^2 x variance) from 0.05 to 5.6.
    private static readonly PairCovariance[] Pairs =
    [
        new(1.0, 1.0, 0.3),
        new(0.5, 2.0, -0.7),
        new(2.5, 2.5, 2.5),
        new(0.05, 0.2, 0.09),
    ];

    // gauss(0.5,1) is the hardest continuous law (mass at v = 0 and atoms up to |v| = 8.5); gauss(1,0.5) is left out for time.
    public static TheoryData<string> Laws => new() { "sign(1)", "const(1)", "gauss(0.5,1)", "bernoulli(0.5)" };

    [Fact]
    public void ErfQuadratureMatchesTheClosedFormForFixedScales()
    {
        // erf(az) becomes step-like once the effective variance is large (5.6 here); the adaptive rule refines at
        // z = 0 and +-1/|a| until its error estimate meets the tolerance. Default tolerance: within 1e-12 of the
        // closed form; a loose tolerance (1e-9) still within the old 5e-6 bound.
        double worstDefault = 0, worstLoose = 0;
        var loose = new KernelQuadrature(1e-9);
        foreach (PairCovariance k in Pairs)
        {
            foreach ((double a, double b) in new[] { (1.0, 1.0), (0.5, -1.5), (-1.0, -1.0) })
            {
                ScaledPairMoments exact = ErfActivation.ClosedForm(a, b, k);
                worstDefault = Math.Max(worstDefault, MaxDiff(exact, QuadratureKernelRule.Pair(Activation.Erf, a, b, k, KernelQuadrature.Default)));
                worstLoose = Math.Max(worstLoose, MaxDiff(exact, QuadratureKernelRule.Pair(Activation.Erf, a, b, k, loose)));
            }
        }
        output.WriteLine($"max |quadrature - closed form| (erf, fixed scales): tolerance 1e-14 {worstDefault:E3}, 1e-9 {worstLoose:E3}");
        Assert.True(worstDefault < 1e-12, $"erf quadrature error {worstDefault} (default tolerance)");
        Assert.True(worstLoose < 5e-6, $"erf quadrature error {worstLoose} (tolerance 1e-9)");
    }

    private static double MaxDiff(ScaledPairMoments a, ScaledPairMoments b) =>
        Math.Max(Math.Abs(a.PhiPhi - b.PhiPhi), Math.Max(Math.Abs(a.DerivDeriv - b.DerivDeriv), Math.Abs(a.DerivDerivZZ - b.DerivDerivZZ)));

    [Theory]
    [MemberData(nameof(Laws))]
    public void ErfQuadratureOverLawsMatchesTheClosedFormOverLaws(string law)
    {
        // Discrete laws: the same atoms of v on both sides, so only the pair rule differs. Typical hidden-layer
        // covariances (variance <= 0.8); effective variances v^2 k reach 3.2 for bernoulli's atom 2. Gaussian laws:
        // the generic rule hands them to GaussLawKernelRule's fixed polar rules (the tolerance does not apply there),
        // checked here against erf's closed form per v. Bound 5e-6.
        ModulationLaw v = ModulationLaw.Parse(law);
        KernelQuadrature q = KernelQuadrature.Default;
        const double tolerance = 5e-6;
        double worst = 0;
        foreach (PairCovariance k in new PairCovariance[] { new(0.6, 0.6, 0.2), new(0.3, 0.8, -0.4), new(0.5, 0.5, 0.5) })
        {
            SameMemberMoments s1 = Activation.Erf.SameMemberMoments(v, k, q);
            SameMemberMoments s2 = QuadratureKernelRule.SameMember(Activation.Erf, v, k, q);
            CrossMemberMoments c1 = Activation.Erf.CrossMemberMoments(v, k, q);
            CrossMemberMoments c2 = QuadratureKernelRule.CrossMember(Activation.Erf, v, k, q);
            worst = new[]
            {
                worst, Math.Abs(s1.PhiPhi - s2.PhiPhi), Math.Abs(s1.DerivDeriv - s2.DerivDeriv),
                Math.Abs(s1.DerivDerivZZ - s2.DerivDerivZZ), Math.Abs(c1.PhiPhi - c2.PhiPhi), Math.Abs(c1.DerivDeriv - c2.DerivDeriv),
            }.Max();
        }
        output.WriteLine($"{law}: max |quadrature - closed form| = {worst:E3}");
        Assert.True(worst < tolerance, $"{law}: erf quadrature error {worst}");
    }

    [Fact]
    public void ReluClosedFormMatchesBruteMonteCarloForALawWithNegativeMass()
    {
        // gauss(0.5, 1) puts 31% of its mass below 0, so the sign-flip terms J1(-k12), J0(-k12) matter.
        // 10^6 iid samples of (z, z', v, v'); each estimate must lie within 5 standard errors (a false alarm
        // probability below 1e-5 per quantity) of the closed form.
        var law = new GaussLaw(0.5, 1);
        var k = new PairCovariance(1.3, 0.8, 0.6);
        SameMemberMoments same = Activation.Relu.SameMemberMoments(law, k, KernelQuadrature.Default);
        CrossMemberMoments cross = Activation.Relu.CrossMemberMoments(law, k, KernelQuadrature.Default);
        var rng = new Random(12345);
        const int n = 1_000_000;
        var stats = new RunningStats[5];
        double rho = k.Rho;
        for (int s = 0; s < n; s++)
        {
            double g1 = KernelTestData.Normal(rng), g2 = KernelTestData.Normal(rng);
            double z1 = k.Sd1 * g1, z2 = k.Sd2 * (rho * g1 + Math.Sqrt(1 - rho * rho) * g2);
            double v = 0.5 + KernelTestData.Normal(rng), w = 0.5 + KernelTestData.Normal(rng);
            double r1 = Math.Max(v * z1, 0), r2 = Math.Max(v * z2, 0);
            double d1 = v * z1 > 0 ? 1 : 0, d2 = v * z2 > 0 ? 1 : 0;
            stats[0].Add(r1 * r2);
            stats[1].Add(v * v * d1 * d2);
            stats[2].Add(d1 * d2 * z1 * z2);
            double e2 = w * z2 > 0 ? 1 : 0;
            stats[3].Add(r1 * Math.Max(w * z2, 0));
            stats[4].Add(v * w * d1 * e2);
        }
        double[] exact = [same.PhiPhi, same.DerivDeriv, same.DerivDerivZZ, cross.PhiPhi, cross.DerivDeriv];
        string[] names = ["E phi phi", "E v^2 phi' phi'", "E phi' phi' z z'", "E phi(vz) phi(v'z')", "E v v' phi' phi'"];
        for (int i = 0; i < 5; i++)
        {
            double z = (stats[i].Mean - exact[i]) / stats[i].StandardError;
            output.WriteLine($"{names[i]}: closed form {exact[i]:F6}, Monte Carlo {stats[i].Mean:F6} +- {stats[i].StandardError:F6} (z = {z:F2})");
            Assert.True(Math.Abs(z) < 5, $"{names[i]}: z = {z}");
        }
        // Without the sign-flip terms the cross moments would be off by many standard errors.
        double noFlip = (law.PositiveMean * law.PositiveMean + law.NegativeMean * law.NegativeMean) * ReluActivation.J1(k);
        Assert.True(Math.Abs(stats[3].Mean - noFlip) > 8 * stats[3].StandardError);
        double noFlipD = (law.PositiveMean * law.PositiveMean + law.NegativeMean * law.NegativeMean) * ReluActivation.J0(k);
        Assert.True(Math.Abs(stats[4].Mean - noFlipD) > 8 * stats[4].StandardError);
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("erf")]
    [InlineData("tanh")]
    [InlineData("gelu")]
    public void ZeroMeanModulationsGiveExactlyZeroCrossKernels(string activation)
    {
        double[,] x = KernelTestData.Points(5, 4, 7, offset: 0.8);
        var spec = new MlpSpec
        {
            InputDim = 4, Depth = 3, Activation = Activation.Parse(activation),
            ULaw = new SignLaw(1), SigmaW = 1.5, SigmaB = 0.3,
            // A Gaussian v for the closed-form activations; quadrature ones get discrete atoms to stay fast.
            VLaw = activation is "relu" or "erf" ? new GaussLaw(1, 0.5) : new SignLaw(1),
        };
        EnsembleKernels k = AnalyticKernels.Compute(spec, x, new KernelQuadrature(1e-10));
        Assert.All(k.NngpCross.Cast<double>(), v => Assert.Equal(0.0, v));
        Assert.All(k.NtkSharedCross.Cast<double>(), v => Assert.Equal(0.0, v));
        Assert.True(KernelTestData.AllPositive(k.NngpSame, 5));
    }

    [Theory]
    [InlineData("relu", "const(1)", "const(1)")]
    [InlineData("relu", "gauss(1,0.5)", "gauss(1,0.5)")]
    [InlineData("relu", "gauss(1,0.5)", "sign(1)")]
    [InlineData("erf", "gauss(1,0.5)", "gauss(1,0.5)")]
    [InlineData("tanh", "const(2)", "const(1)")]
    [InlineData("gelu", "gauss(1,0.5)", "const(1)")]
    public void NonzeroMeanModulationsGivePositiveCrossKernelsForPositiveInnerProducts(string activation, string u, string v)
    {
        double[,] x = KernelTestData.Points(5, 4, 8, offset: 2.0);
        double[,] gram = Matrix.Multiply(x, Matrix.Transpose(x));
        Assert.True(KernelTestData.AllPositive(gram, 5));
        var spec = new MlpSpec
        {
            InputDim = 4, Depth = 2, Activation = Activation.Parse(activation),
            ULaw = ModulationLaw.Parse(u), VLaw = ModulationLaw.Parse(v), SigmaW = 1.4, SigmaB = 0.1,
        };
        EnsembleKernels k = AnalyticKernels.Compute(spec, x, new KernelQuadrature(1e-10));
        // Theorem 1.3 / 2.3 need phi >= 0 nondecreasing (or phi in S); with v of positive mean the cross terms are
        // positive here for every pair.
        Assert.True(KernelTestData.AllPositive(k.NngpCross, 5), "Sigma_c should be > 0");
        Assert.True(KernelTestData.AllPositive(k.NtkSharedCross, 5), "Theta^com_c should be > 0");
    }

    [Fact]
    public void McDropoutIsCollectiveAndHasNoMemberPart()
    {
        double[,] x = KernelTestData.Points(4, 3, 9, offset: 1.0);
        MlpSpec spec = MlpSpec.McDropout(0.5) with { InputDim = 3, Depth = 2 };
        EnsembleKernels k = AnalyticKernels.Compute(spec, x);
        Assert.True(KernelTestData.AllPositive(k.NngpCross, 4));
        Assert.All(k.NtkMember.Cast<double>(), v => Assert.Equal(0.0, v));
        // Same-member variance carries U2 = 1/p = 2 at the last layer: Sigma_s > Sigma_c on the diagonal.
        for (int i = 0; i < 4; i++)
        {
            Assert.True(k.NngpSame[i, i] > k.NngpCross[i, i]);
        }
    }

    [Fact]
    public void ConstantModulationsMakeMembersIdenticalAndIndependentEnsemblesUncoupled()
    {
        double[,] x = KernelTestData.Points(5, 3, 10);
        var baseSpec = new MlpSpec { InputDim = 3, Depth = 3, ULaw = new ConstLaw(1), VLaw = new ConstLaw(1) };
        EnsembleKernels be = AnalyticKernels.Compute(baseSpec, x);
        // u = v = 1 for every member: the members are one network, so cross = same (1e-12: identical arithmetic paths
        // except the ReLU cross formula's extra zero terms).
        Assert.True(Matrix.MaxAbsDifference(be.NngpSame, be.NngpCross) < 1e-12);
        Assert.True(Matrix.MaxAbsDifference(be.NtkSharedSame, be.NtkSharedCross) < 1e-12);
        Assert.True(KernelTestData.AllPositive(be.NtkMember, 1));

        EnsembleKernels ie = AnalyticKernels.Compute(baseSpec with { Family = EnsembleFamily.Independent, ULaw = new SignLaw(3) }, x);
        Assert.Equal(be.NngpSame, ie.NngpSame);
        Assert.Equal(be.NtkSharedSame, ie.NtkSharedSame);
        Assert.All(ie.NngpCross.Cast<double>(), v => Assert.Equal(0.0, v));
        Assert.All(ie.NtkSharedCross.Cast<double>(), v => Assert.Equal(0.0, v));
        Assert.All(ie.NtkMember.Cast<double>(), v => Assert.Equal(0.0, v));
        EnsembleKernels ieBias = AnalyticKernels.Compute(baseSpec with { Family = EnsembleFamily.Independent, MemberReadoutBias = true }, x);
        Assert.All(ieBias.NtkMember.Cast<double>(), v => Assert.Equal(1.0, v));
    }

    [Fact]
    public void OneLayerReluKernelsMatchHandComputedValues()
    {
        // Depth 1, const(1): Sigma = sw^2 J1(K1), Theta^com = sw^2 J1 + sw^2 J0 K1, Theta^ind = sw^2 (J1 + J1).
        double[,] x = { { 1, 0 }, { 0.6, 0.8 } };
        var spec = new MlpSpec { InputDim = 2, Depth = 1, SigmaW = 1.2, SigmaB = 0.5, ULaw = new ConstLaw(1), VLaw = new ConstLaw(1) };
        EnsembleKernels k = AnalyticKernels.Compute(spec, x);
        double sw2 = 1.44, sb2 = 0.25;
        double k11 = sw2 * 1 / 2 + sb2, k12 = sw2 * 0.6 / 2 + sb2;
        var pair = new PairCovariance(k11, k11, k12);
        double rho = k12 / k11, theta = Math.Acos(rho);
        double j1 = k11 / (2 * Math.PI) * (Math.Sin(theta) + (Math.PI - theta) * rho);
        double j0 = (Math.PI - theta) / (2 * Math.PI);
        Assert.Equal(j1, ReluActivation.J1(pair), 14);
        Assert.Equal(sw2 * j1, k.NngpSame[0, 1], 14);
        Assert.Equal(sw2 * j1 + sw2 * j0 * k12, k.NtkSharedSame[0, 1], 14);
        Assert.Equal(sw2 * (j1 + j1), k.NtkMember[0, 1], 14);
        Assert.Equal(sw2 * k11 / 2, k.NngpSame[0, 0], 14);
    }

    [Theory]
    [InlineData("relu", "gauss(0.5,1)", "gauss(1,0.5)", 4)]
    [InlineData("erf", "sign(1)", "gauss(1,0.5)", 3)]
    [InlineData("tanh", "gauss(1,0.5)", "sign(1)", 2)]
    [InlineData("relu", "bernoulli(0.5)", "const(1)", 3)]
    public void KernelsAreSymmetricPositiveSemidefiniteAndDeterministic(string activation, string u, string v, int depth)
    {
        double[,] x = KernelTestData.Points(7, 5, 11);
        var spec = new MlpSpec
        {
            InputDim = 5, Depth = depth, Activation = Activation.Parse(activation),
            ULaw = ModulationLaw.Parse(u), VLaw = ModulationLaw.Parse(v), SigmaW = 1.3, SigmaB = 0.2, Members = 3,
        };
        if (u.StartsWith("bernoulli", StringComparison.Ordinal))
        {
            spec = spec with { Family = EnsembleFamily.McDropout };
        }
        var q = new KernelQuadrature(1e-10);
        EnsembleKernels k = AnalyticKernels.Compute(spec, x, q);
        EnsembleKernels again = AnalyticKernels.Compute(spec, x, q);
        var scales = new global::EmbeddedEnsembles.Training.TrainingRule(1, 0.5, global::EmbeddedEnsembles.Training.GammaRule.One);
        double[][,] matrices =
        [
            k.NngpSame, k.NngpCross, k.NtkSharedSame, k.NtkSharedCross, k.NtkMember, k.FullNngp(), k.FullNtk(scales),
            Matrix.Combine(1, k.NngpSame, -1, k.NngpCross), Matrix.Combine(1, k.NtkSharedSame, -1, k.NtkSharedCross),
        ];
        double[][,] repeated =
        [
            again.NngpSame, again.NngpCross, again.NtkSharedSame, again.NtkSharedCross, again.NtkMember, again.FullNngp(), again.FullNtk(scales),
            Matrix.Combine(1, again.NngpSame, -1, again.NngpCross), Matrix.Combine(1, again.NtkSharedSame, -1, again.NtkSharedCross),
        ];
        for (int i = 0; i < matrices.Length; i++)
        {
            Assert.Equal(matrices[i], repeated[i]); // bitwise deterministic
            Assert.Equal(0.0, KernelTestData.MaxAsymmetry(matrices[i]));
            double minEig = KernelTestData.RelativeMinEigenvalue(matrices[i]);
            // PSD up to rounding (and up to quadrature error for tanh): smallest eigenvalue >= -1e-9 of the largest.
            Assert.True(minEig >= -1e-9, $"matrix {i}: relative smallest eigenvalue {minEig}");
        }
    }

    [Theory]
    [InlineData("relu", "gauss(0.5,1)", "gauss(1,0.5)", "batch-ensemble", 3, 40)]
    [InlineData("erf", "sign(1)", "gauss(1,0.5)", "batch-ensemble", 2, 24)]
    [InlineData("relu", "bernoulli(0.5)", "const(1)", "mc-dropout", 2, 40)]
    [InlineData("relu", "sign(1)", "sign(1)", "independent", 4, 40)]
    [InlineData("tanh", "gauss(1,0.5)", "sign(1)", "batch-ensemble", 2, 8)]
    public void KernelsAndErrorBoundsAreTheSameBitsForAnyThreadCount(string activation, string u, string v, string family, int depth, int n)
    {
        // The pairs are shared out over threads; every entry must come out bit for bit as on one thread.
        double[,] x = KernelTestData.Points(n, 5, 23);
        var spec = new MlpSpec
        {
            InputDim = 5, Depth = depth, Activation = Activation.Parse(activation), ULaw = ModulationLaw.Parse(u), VLaw = ModulationLaw.Parse(v),
            SigmaW = 1.3, SigmaB = 0.2, Members = 3, MemberReadoutBias = true,
            Family = family switch { "mc-dropout" => EnsembleFamily.McDropout, "independent" => EnsembleFamily.Independent, _ => EnsembleFamily.BatchEnsemble },
        };
        var q = new KernelQuadrature(1e-10);
        double[][,] Parts(EnsembleKernels k) =>
        [
            k.NngpSame, k.NngpCross, k.NtkSharedSame, k.NtkSharedCross, k.NtkMember,
            k.Errors!.NngpSame, k.Errors.NngpCross, k.Errors.NtkSharedSame, k.Errors.NtkSharedCross, k.Errors.NtkMember,
        ];
        double[][,] one = Parts(AnalyticKernels.Compute(spec, x, q, threads: 1));
        foreach (int threads in new[] { 2, 3 })
        {
            double[][,] many = Parts(AnalyticKernels.Compute(spec, x, q, threads));
            for (int p = 0; p < one.Length; p++)
            {
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        Assert.True(BitConverter.DoubleToInt64Bits(one[p][i, j]) == BitConverter.DoubleToInt64Bits(many[p][i, j]),
                            $"part {p} entry ({i}, {j}): {one[p][i, j]:R} on one thread, {many[p][i, j]:R} on {threads}");
                    }
                }
            }
        }
    }

    [Fact]
    public void BadInputsFailClearly()
    {
        var spec = new MlpSpec { InputDim = 3 };
        Assert.Throws<ArgumentException>(() => AnalyticKernels.Compute(spec, new double[2, 4]));
        Assert.Throws<ArgumentException>(() => AnalyticKernels.Compute(spec with { Parameterization = Parameterization.Standard }, new double[2, 3]));
        Assert.Throws<ArgumentException>(() => AnalyticKernels.Compute(spec, new double[,] { { 1, double.NaN, 0 } }));
    }
}

/// Welford's running mean and variance.
internal struct RunningStats
{
    private long _n;
    private double _mean;
    private double _m2;

    public void Add(double x)
    {
        _n++;
        double d = x - _mean;
        _mean += d / _n;
        _m2 += d * (x - _mean);
    }

    public readonly double Mean => _mean;
    public readonly double StandardError => Math.Sqrt(_m2 / (_n - 1) / _n);
}
