using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Kernels.Theory;
using Xunit.Abstractions;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

/// <summary>
/// tanh and GELU under Gaussian v laws (<see cref="GaussLawKernelRule"/>, fixed rules in polar coordinates) against
/// SmoothReference's composite rule in v (double-double, a different route: Cartesian coordinates, v integrated
/// outside, h = E_v phi(v z) summed directly): every moment within its stated error, within 1e-12 of its scale,
/// and the stated error held to a ceiling.
/// </summary>
public class GaussLawAccuracyTests(ITestOutputHelper output)
{
    // Measured errors are at most 1.2e-15 of the scale; the stated errors are QUADPACK's scaling of the
    // Kronrod-Gauss differences, up to 6e-11 of the scale for tanh and 1.1e-8 for GELU (E[v^2 phi' phi'] at
    // variance ~100, where GELU' = Phi + z phi_N is nearly a step in the angle).
    private const double Target = 1e-12;
    private const double BoundCeiling = 3e-8;

    public static TheoryData<string, string, double, double, double> Cases => new()
    {
        // Covariances of the kinds a layer meets: ordinary (norm x1), large with a negative correlation (norm x10,
        // nearly anti-parallel inputs), small and nearly parallel (norm x0.01), an exactly anti-parallel pair.
        { "tanh", "gauss(1,0.5)", 1, 1.2, 0.4 },
        { "tanh", "gauss(0.5,1)", 100, 80, -60 },
        { "tanh", "gauss(1,0.5)", 0.01, 0.02, 0.014 },
        { "tanh", "gauss(1,0.5)", 5, 5, -5 },
        { "gelu", "gauss(1,0.5)", 1, 1.2, 0.4 },
        { "gelu", "gauss(1,0.5)", 100, 80, -60 },
        { "gelu", "gauss(0.5,1)", 0.01, 0.02, 0.014 },
        { "gelu", "gauss(1,0.5)", 5, 5, -5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MomentsMatchTheCompositeRuleReference(string activation, string law, double k11, double k22, double k12)
    {
        Activation phi = Activation.Parse(activation);
        var v = (GaussLaw)ModulationLaw.Parse(law);
        var k = new PairCovariance(k11, k22, k12);
        SameMemberMoments same = GaussLawKernelRule.SameMember(phi, v, k);
        CrossMemberMoments cross = GaussLawKernelRule.CrossMember(phi, v, k);
        (DoubleDouble pp, DoubleDouble dd, DoubleDouble zz) = SmoothReference.GaussSame(activation, v.Mu, v.S, k11, k22, k12);
        (DoubleDouble cp, DoubleDouble cd) = SmoothReference.GaussCross(activation, v.Mu, v.S, k11, k22, k12);
        // Each moment's scale is the geometric mean of its two diagonal values (what sqrt(K_ii K_jj) is to a kernel).
        SameMemberMoments s1 = GaussLawKernelRule.SameMember(phi, v, new PairCovariance(k11, k11, k11));
        SameMemberMoments s2 = GaussLawKernelRule.SameMember(phi, v, new PairCovariance(k22, k22, k22));
        CrossMemberMoments c1 = GaussLawKernelRule.CrossMember(phi, v, new PairCovariance(k11, k11, k11));
        CrossMemberMoments c2 = GaussLawKernelRule.CrossMember(phi, v, new PairCovariance(k22, k22, k22));
        (string Name, double Value, DoubleDouble Reference, double Bound, double Scale)[] moments =
        [
            ("same phi phi", same.PhiPhi, pp, same.Error, Math.Sqrt(s1.PhiPhi * s2.PhiPhi)),
            ("same v^2 phi' phi'", same.DerivDeriv, dd, same.Error, Math.Sqrt(s1.DerivDeriv * s2.DerivDeriv)),
            ("same phi' phi' z z'", same.DerivDerivZZ, zz, same.Error, Math.Sqrt(s1.DerivDerivZZ * s2.DerivDerivZZ)),
            ("cross phi phi", cross.PhiPhi, cp, cross.Error, Math.Sqrt(c1.PhiPhi * c2.PhiPhi)),
            ("cross v v' phi' phi'", cross.DerivDeriv, cd, cross.Error, Math.Sqrt(c1.DerivDeriv * c2.DerivDeriv)),
        ];
        foreach ((string name, double value, DoubleDouble reference, double bound, double scale) in moments)
        {
            double error = Math.Abs((reference - value).Value);
            output.WriteLine($"{activation} {law} K=({k11},{k22},{k12}) {name}: {value:R}, error {error / scale:E2}, bound {bound / scale:E2} (of the scale {scale:G4})");
            Assert.True(error <= bound, $"{name}: error {error:E2} above its bound {bound:E2}");
            Assert.True(error <= Target * scale, $"{name}: error {error / scale:E2} of the scale");
            Assert.True(bound <= BoundCeiling * scale, $"{name}: bound {bound / scale:E2} of the scale above {BoundCeiling}");
        }
    }

    [Fact]
    public void TanhKernelsUnderAGaussianVLawMatchTheReference()
    {
        // The whole recursion, depth 1-3: two inputs and the negative of the first (an exactly anti-parallel pair),
        // v = gauss(1,0.5), sigma_w 1.5, sigma_b 0.3; u = sign(1) keeps the reference to the same-member moments (about
        // a minute; the cross-member ones are checked moment by moment above).
        double[,] p = KernelTestData.Points(2, 3, 11);
        var x = new double[3, 3];
        for (int j = 0; j < 3; j++)
        {
            x[0, j] = p[0, j];
            x[1, j] = 2 * p[1, j];
            x[2, j] = -p[0, j];
        }
        var spec = new MlpSpec
        {
            InputDim = 3, Depth = 3, Activation = Activation.Parse("tanh"), ULaw = new SignLaw(1), VLaw = new GaussLaw(1, 0.5),
            SigmaW = 1.5, SigmaB = 0.3,
        };
        List<double[][,]> reference = ReferenceKernels.ComputeDepths(spec, x);
        for (int depth = 1; depth <= 3; depth++)
        {
            EnsembleKernels k = AnalyticKernels.Compute(spec with { Depth = depth }, x);
            (double error, string entry) = AccuracyTests.MaxRelativeError(k, reference[depth - 1], skipNearlyParallel: false);
            (double ratio, string uncovered) = AccuracyTests.WorstCoverage(k, reference[depth - 1]);
            double bound = k.Errors!.MaxRelative(k);
            output.WriteLine($"L={depth}: max error {error:E2} ({entry}), largest stated bound {bound:E2}, largest error / bound {ratio:F3} ({uncovered})");
            Assert.True(error <= Target, $"L={depth}: error {error:E2} at {entry}");
            Assert.True(ratio <= 1, $"L={depth}: the error is {ratio:F2} times its bound at {uncovered}");
            Assert.True(bound <= BoundCeiling, $"L={depth}: stated bound {bound:E2}");
        }
    }
}
