using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Descriptions;
using Xunit.Abstractions;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

/// <summary>
/// The analytic kernels against values known exactly and against the double-double reference
/// (<see cref="ReferenceKernels"/>): every entry within 1e-12 of the reference, relative to sqrt(K_ii K_jj) of its
/// kernel's same-member part.
/// </summary>
public class AccuracyTests(ITestOutputHelper output)
{
    private const double Target = 1e-12;

    // The stated bounds are first-order worst cases (absolute values summed through the layers): about 10-40 times
    // the measured errors here, so they are held to 1e-11 where the errors meet 1e-12.
    private const double BoundTarget = 1e-11;

    // For tanh and GELU the bound adds the adaptive rule's own estimates (QUADPACK's scaling of |K15 - G7| on nested
    // integrals, largest for nearly anti-parallel pairs at large variance) and GELU's table error; measured errors
    // are 1e-13, the bounds up to 1e-9.
    private const double QuadratureBoundTarget = 1e-9;

    [Fact]
    public void ReluNtkDiagonalIsExact()
    {
        // One input 0.7, L = 3, u = v = const(1), sigma_b = 0: Theta^com = 3.92 and Theta^ind = 5.88 exactly
        // (the cosine of a diagonal pair rounded to 1 - 1 ulp once gave 3.919999986 and 5.879999981).
        var spec = new MlpSpec { InputDim = 1, Depth = 3, ULaw = new ConstLaw(1), VLaw = new ConstLaw(1), SigmaB = 0 };
        EnsembleKernels k = AnalyticKernels.Compute(spec, new[,] { { 0.7 } });
        Assert.Equal(3.92, k.NtkSharedSame[0, 0], 1e-14);
        Assert.Equal(5.88, k.NtkMember[0, 0], 1e-14);
    }

    [Fact]
    public void ReluMomentsAtRhoPlusAndMinusOneAreExact()
    {
        var diagonal = new PairCovariance(0.3, 0.3, 0.3);
        Assert.Equal(1, diagonal.Rho);
        Assert.Equal(0, diagonal.Theta);
        Assert.Equal(0.15, ReluActivation.J1(diagonal)); // k/2
        Assert.Equal(0.5, ReluActivation.J0(diagonal));
        PairCovariance opposite = diagonal.Flip();
        Assert.Equal(-1, opposite.Rho);
        Assert.Equal(0, ReluActivation.J1(opposite), 1e-17); // relu(z) relu(-z) = 0
        Assert.Equal(0, ReluActivation.J0(opposite), 1e-17);
    }

    [Fact]
    public void NearlyParallelPairsKeepTheirAngle()
    {
        // rho = 1 - 1e-12: sin theta = sqrt(2e-12 - 1e-24); sqrt(1 - rho^2) lost about 4 digits of it.
        var k = new PairCovariance(1, 1, 1 - 1e-12);
        double eps = 1 - k.K12; // exact (Sterbenz)
        double exact = Math.Sqrt(eps * (2 - eps));
        Assert.True(Math.Abs(k.SinTheta - exact) <= 1e-15 * exact, $"sin theta {k.SinTheta} vs {exact}");
        Assert.True(Math.Abs(k.Theta - exact) <= 1e-9 * exact, $"theta {k.Theta}");
    }

    [Fact]
    public void ErfClosedFormsMatchTheArcsineFormulas()
    {
        // E[erf(z) erf(z')] = 2/pi asin(2 k12 / sqrt((1 + 2 k11)(1 + 2 k22))) and E[erf'(z) erf'(z')] = 4/(pi sqrt(D)),
        // D = (1 + 2 k11)(1 + 2 k22) - 4 k12^2; in the plain forms, for pairs where they lose nothing.
        foreach (PairCovariance k in new PairCovariance[] { new(1, 1, 0.3), new(0.5, 2, -0.7), new(0.05, 0.2, 0.09), new(3, 1, 1.2) })
        {
            ScaledPairMoments m = ErfActivation.ClosedForm(1, 1, k);
            double a = 1 + 2 * k.K11, b = 1 + 2 * k.K22, d = a * b - 4 * k.K12 * k.K12;
            Assert.Equal(2 / Math.PI * Math.Asin(2 * k.K12 / Math.Sqrt(a * b)), m.PhiPhi, 1e-15);
            Assert.Equal(4 / (Math.PI * Math.Sqrt(d)), m.DerivDeriv, 1e-15);
        }
        // On the diagonal at large variance the forms differ in digits: D = 1 + 4k exactly, asin(2k/(1+2k)).
        var big = new PairCovariance(1e4, 1e4, 1e4);
        ScaledPairMoments diag = ErfActivation.ClosedForm(1, 1, big);
        Assert.Equal(4 / (Math.PI * Math.Sqrt(40001)), diag.DerivDeriv, 1e-18);
        Assert.Equal(2 / Math.PI * Math.Atan2(2e4, Math.Sqrt(40001)), diag.PhiPhi, 1e-15);
    }

    public static TheoryData<string, string, string> Settings => new()
    {
        { "relu", "sign(1)", "sign(1)" },
        { "relu", "const(1)", "gauss(1,0.5)" },
        { "relu", "gauss(0.5,1)", "gauss(0.5,1)" },
        { "relu", "bernoulli(0.5)", "const(1)" },
        { "relu", "sign(2)", "bernoulli(0.25)" },
        { "erf", "sign(1)", "sign(1)" },
        { "erf", "const(1)", "const(1)" },
        { "erf", "gauss(1,0.5)", "sign(1.5)" },
        { "erf", "bernoulli(0.5)", "bernoulli(0.5)" },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void ClosedFormKernelsMatchTheDoubleDoubleReference(string activation, string u, string v)
    {
        // Depth 1-5, sigma_w 1-2, sigma_b 0-0.5, every family, inputs with a nearly parallel and an anti-parallel
        // pair, norms x1, x100 and x0.01.
        double worst = 0, worstParallel = 0, worstLargeErf = 0, worstCoverage = 0, worstBound = 0, worstLargeErfBound = 0, worstParallelBound = 0;
        string worstCase = "", worstCoverageCase = "";
        foreach (EnsembleFamily family in new[] { EnsembleFamily.BatchEnsemble, EnsembleFamily.McDropout, EnsembleFamily.Independent })
        {
            if (family == EnsembleFamily.McDropout && !u.StartsWith("bernoulli", StringComparison.Ordinal)) continue;
            foreach (int depth in new[] { 1, 2, 3, 5 })
            {
                foreach (double sw in new[] { 1.0, Math.Sqrt(2), 2.0 })
                {
                    foreach (double sb in new[] { 0.0, 0.1, 0.5 })
                    {
                        foreach (double norm in new[] { 1.0, 100, 0.01 })
                        {
                            var spec = new MlpSpec
                            {
                                Family = family, InputDim = 3, Depth = depth, Activation = Activation.Parse(activation),
                                ULaw = ModulationLaw.Parse(u), VLaw = family == EnsembleFamily.McDropout ? new ConstLaw(1) : ModulationLaw.Parse(v),
                                SigmaW = sw, SigmaB = sb, MemberReadoutBias = depth == 2,
                            };
                            double[,] x = Inputs(norm);
                            EnsembleKernels k = AnalyticKernels.Compute(spec, x);
                            double[][,] reference = ReferenceKernels.Compute(spec, x);
                            (double err, string entry) = MaxRelativeError(k, reference, skipNearlyParallel: true);
                            (double ratio, string uncovered) = WorstCoverage(k, reference);
                            if (ratio > worstCoverage)
                            {
                                worstCoverage = ratio;
                                worstCoverageCase = $"{family} L={depth} sw={sw} sb={sb} norm={norm}, {uncovered}";
                            }
                            double bound = MaxRelativeBound(k, skipNearlyParallel: true);
                            if (activation == "erf" && norm == 100) worstLargeErfBound = Math.Max(worstLargeErfBound, bound);
                            else worstBound = Math.Max(worstBound, bound);
                            worstParallelBound = Math.Max(worstParallelBound, k.Errors!.MaxRelative(k));
                            if (activation == "erf" && norm == 100)
                            {
                                // erf at pre-activation variance ~1e4: a 1-ulp change of a double covariance moves the
                                // nearly anti-parallel entries by ~1e-11 (the Gram determinant is carried from the
                                // double K's, not from the inputs).
                                worstLargeErf = Math.Max(worstLargeErf, err);
                                err = 0;
                            }
                            worstParallel = Math.Max(worstParallel, MaxRelativeError(k, reference, skipNearlyParallel: false).Error);
                            if (err > worst)
                            {
                                worst = err;
                                worstCase = $"{family} L={depth} sw={sw} sb={sb} norm={norm}, {entry}";
                            }
                        }
                    }
                }
            }
        }
        output.WriteLine($"{activation} u={u} v={v}: max error {worst:E2} ({worstCase}); with the nearly parallel pair {worstParallel:E2}; erf at norm 100 {worstLargeErf:E2}");
        output.WriteLine($"  largest stated bound {worstBound:E2} (erf at norm 100 {worstLargeErfBound:E2}, with the nearly parallel pair {worstParallelBound:E2}); largest error / bound {worstCoverage:F3} ({worstCoverageCase})");
        Assert.True(worstBound <= BoundTarget, $"{activation} u={u} v={v}: stated bound {worstBound:E2} above {BoundTarget}");
        Assert.True(worstCoverage <= 1, $"{activation} u={u} v={v}: the error is {worstCoverage:F2} times its stated bound at {worstCoverageCase}");
        Assert.True(worstLargeErf <= 5e-11, $"erf at norm 100: error {worstLargeErf:E2}");
        Assert.True(worst <= Target, $"{activation} u={u} v={v}: error {worst:E2} at {worstCase}");
        // The pair with 1 - rho ~ 1e-12 at the input: deep layers drive 1 - rho below the resolution of a double
        // covariance, where the angle carries only about half the digits (see the README's accuracy table).
        Assert.True(worstParallel <= 1e-7, $"{activation} u={u} v={v}: nearly parallel pair error {worstParallel:E2}");
    }

    public static TheoryData<string, string> SmoothSettings => new()
    {
        // Each row runs about half a minute on two cores (GELU under sign(1.5), with four atom pairs, took two and
        // gave 6.3e-14); const(1) for tanh is where a 1-ulp gap between same- and cross-member covariances exposed
        // a rounding loss in nodes placed in t rather than (t - mean)/sd.
        { "tanh", "const(1)" },
        { "tanh", "sign(1)" },
        { "gelu", "const(1)" },
        { "gelu", "bernoulli(0.5)" },
    };

    [Theory]
    [MemberData(nameof(SmoothSettings))]
    public void QuadratureKernelsMatchTheFixedRuleReference(string activation, string v)
    {
        // tanh and GELU against SmoothReference (fixed composite Gauss-Legendre, double-double sums): depth 1-3,
        // sigma_w 1-2, sigma_b 0-0.5, u laws sign/const/gauss, input norms x0.01 to x10, an anti-parallel pair.
        (string U, double Sw, double Sb, double Norm)[] settings =
        [
            ("sign(1)", 1, 0, 1), ("gauss(1,0.5)", Math.Sqrt(2), 0.1, 10), ("const(1)", 2, 0.5, 0.01),
            ("gauss(0.5,1)", 1.5, 0.5, 3), ("sign(2)", 1, 0.1, 0.3),
        ];
        double[,] p = KernelTestData.Points(3, 3, 5);
        double worst = 0, worstCoverage = 0, worstBound = 0;
        string worstCase = "", worstCoverageCase = "";
        foreach ((string u, double sw, double sb, double norm) in settings)
        {
            var x = new double[4, 3];
            for (int j = 0; j < 3; j++)
            {
                for (int i = 0; i < 3; i++) x[i, j] = norm * p[i, j];
                x[3, j] = -norm * p[1, j];
            }
            var spec = new MlpSpec
            {
                InputDim = 3, Depth = 3, Activation = Activation.Parse(activation), ULaw = ModulationLaw.Parse(u),
                VLaw = ModulationLaw.Parse(v), SigmaW = sw, SigmaB = sb,
            };
            List<double[][,]> reference = ReferenceKernels.ComputeDepths(spec, x);
            for (int depth = 1; depth <= 3; depth++)
            {
                EnsembleKernels k = AnalyticKernels.Compute(spec with { Depth = depth }, x);
                (double err, string entry) = MaxRelativeError(k, reference[depth - 1], skipNearlyParallel: false);
                (double ratio, string uncovered) = WorstCoverage(k, reference[depth - 1]);
                if (ratio > worstCoverage)
                {
                    worstCoverage = ratio;
                    worstCoverageCase = $"u={u} L={depth} sw={sw} sb={sb} norm={norm}, {uncovered}";
                }
                worstBound = Math.Max(worstBound, k.Errors!.MaxRelative(k));
                if (err > worst)
                {
                    worst = err;
                    worstCase = $"u={u} L={depth} sw={sw} sb={sb} norm={norm}, {entry}";
                }
            }
        }
        output.WriteLine($"{activation} v={v}: max error {worst:E2} ({worstCase}); largest stated bound {worstBound:E2}; largest error / bound {worstCoverage:F3} ({worstCoverageCase})");
        Assert.True(worst <= Target, $"{activation} v={v}: error {worst:E2} at {worstCase}");
        Assert.True(worstCoverage <= 1, $"{activation} v={v}: the error is {worstCoverage:F2} times its stated bound at {worstCoverageCase}");
        Assert.True(worstBound <= QuadratureBoundTarget, $"{activation} v={v}: stated bound {worstBound:E2} above {QuadratureBoundTarget}");
    }

    [Fact]
    public void FixedRuleReferenceHasConverged()
    {
        // Halving every panel of SmoothReference changes its moments by less than 1e-16 of their scale.
        foreach (string activation in new[] { "tanh", "gelu" })
        {
            foreach ((double a, double k11, double k22, double k12) in new[] { (1.0, 1.0, 2.0, 0.7), (2.0, 100.0, 80.0, -60.0), (1.0, 0.01, 0.02, 0.014), (1.5, 5.0, 5.0, 5 * (1 - 1e-9)) })
            {
                var coarse = SmoothReference.Pair(activation, a, a, k11, k22, k12);
                SmoothReference.Refined = true;
                var fine = SmoothReference.Pair(activation, a, a, k11, k22, k12);
                SmoothReference.Refined = false;
                double scale = Math.Max(1, a * a * Math.Sqrt(k11 * k22));
                foreach ((DoubleDouble c, DoubleDouble f) in new[] { (coarse.Pp, fine.Pp), (coarse.Dd, fine.Dd), (coarse.Zz, fine.Zz) })
                {
                    double change = Math.Abs((c - f).Value) / scale;
                    output.WriteLine($"{activation} a={a} K=({k11},{k22},{k12}): change {change:E2}");
                    Assert.True(change < 1e-16, $"{activation}: halving the panels changed a moment by {change:E2}");
                }
            }
        }
    }

    /// <summary>
    /// Five random points, a nearly parallel copy of the first, an anti-parallel one and a duplicate. Closer pairs
    /// (1 - rho below about 1e-13) are limited by the rounding of their input covariance, not by the kernel rules.
    /// </summary>
    internal static double[,] Inputs(double norm)
    {
        double[,] p = KernelTestData.Points(5, 3, 7);
        var x = new double[8, 3];
        for (int j = 0; j < 3; j++)
        {
            for (int i = 0; i < 5; i++) x[i, j] = norm * p[i, j];
            x[5, j] = norm * p[0, j] * (1 + 1e-6 * (j + 1)); // 1 - rho ~ 1e-12: resolvable in double
            x[6, j] = -norm * p[1, j];
            x[7, j] = norm * p[2, j];
        }
        return x;
    }

    /// <summary>The largest stated bound relative to sqrt(K_ii K_jj) (optionally without the nearly parallel pair 0, 5).</summary>
    internal static double MaxRelativeBound(EnsembleKernels k, bool skipNearlyParallel)
    {
        KernelErrors e = k.Errors ?? throw new InvalidOperationException("no error estimate");
        double worst = 0;
        foreach ((double[,] error, double[,] scale) in e.WithScales(k))
        {
            double[,] r = KernelErrors.Relative(error, scale);
            for (int i = 0; i < k.Points; i++)
            {
                for (int j = 0; j < k.Points; j++)
                {
                    if (skipNearlyParallel && ((i == 0 && j == 5) || (i == 5 && j == 0))) continue;
                    worst = Math.Max(worst, r[i, j]);
                }
            }
        }
        return worst;
    }

    /// <summary>The largest |K - K_ref| / (stated error bound) over every entry of the five kernels, and where.</summary>
    internal static (double Ratio, string Entry) WorstCoverage(EnsembleKernels k, double[][,] reference)
    {
        KernelErrors e = k.Errors ?? throw new InvalidOperationException("no error estimate");
        double[][,] actual = [k.NngpSame, k.NngpCross, k.NtkSharedSame, k.NtkSharedCross, k.NtkMember];
        double[][,] bounds = [e.NngpSame, e.NngpCross, e.NtkSharedSame, e.NtkSharedCross, e.NtkMember];
        string[] names = ["nngp_same", "nngp_cross", "ntk_shared_same", "ntk_shared_cross", "ntk_member"];
        double worst = 0;
        string entry = "";
        for (int m = 0; m < 5; m++)
        {
            for (int i = 0; i < k.Points; i++)
            {
                for (int j = 0; j < k.Points; j++)
                {
                    double diff = Math.Abs(actual[m][i, j] - reference[m][i, j]);
                    double ratio = diff == 0 ? 0 : bounds[m][i, j] > 0 ? diff / bounds[m][i, j] : double.PositiveInfinity;
                    if (ratio > worst)
                    {
                        worst = ratio;
                        entry = $"{names[m]}[{i},{j}]: error {diff:E2}, bound {bounds[m][i, j]:E2}";
                    }
                }
            }
        }
        return (worst, entry);
    }

    /// <summary>Max |K - K_ref| / sqrt(Kref_ii Kref_jj) over the five kernels, each scaled by its same-member diagonal (optionally without the nearly parallel pair 0, 5).</summary>
    internal static (double Error, string Entry) MaxRelativeError(EnsembleKernels k, double[][,] reference, bool skipNearlyParallel)
    {
        double[][,] actual = [k.NngpSame, k.NngpCross, k.NtkSharedSame, k.NtkSharedCross, k.NtkMember];
        string[] names = ["nngp_same", "nngp_cross", "ntk_shared_same", "ntk_shared_cross", "ntk_member"];
        int[] scaleOf = [0, 0, 2, 2, 4];
        double worst = 0;
        string entry = "";
        int n = k.Points;
        for (int m = 0; m < 5; m++)
        {
            double[,] s = reference[scaleOf[m]];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    if (skipNearlyParallel && ((i == 0 && j == 5) || (i == 5 && j == 0)))
                    {
                        continue;
                    }
                    double scale = Math.Sqrt(s[i, i] * s[j, j]);
                    double diff = Math.Abs(actual[m][i, j] - reference[m][i, j]);
                    double err = scale > 0 ? diff / scale : diff;
                    if (err > worst)
                    {
                        worst = err;
                        entry = $"{names[m]}[{i},{j}]";
                    }
                }
            }
        }
        return (worst, entry);
    }
}
