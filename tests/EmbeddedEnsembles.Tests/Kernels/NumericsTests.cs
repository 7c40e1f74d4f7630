using EmbeddedEnsembles.Numerics;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

public class NumericsTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(0.5, 2)]
    [InlineData(-3, 0.01)]
    public void GaussianExpectationIntegratesNormalMoments(double mean, double sd)
    {
        // E (t - mean)^2 = sd^2, E (t - mean)^4 = 3 sd^4, E t = mean: to 1e-14 relative.
        (Triple m, double error) = GaussianExpectation.Integrate(t => new Triple(t, Math.Pow(t - mean, 2), Math.Pow(t - mean, 4)), mean, sd, 1e-14, [0]);
        Assert.Equal(mean, m.A, 1e-14 * Math.Max(1, Math.Abs(mean)));
        Assert.Equal(sd * sd, m.B, 1e-14 * sd * sd);
        Assert.Equal(3 * Math.Pow(sd, 4), m.C, 1e-13 * Math.Pow(sd, 4));
        Assert.True(error < 1e-13 * Math.Max(Math.Max(1, Math.Abs(mean)), 3 * Math.Pow(sd, 4)), $"estimated error {error}");
    }

    [Fact]
    public void GaussianExpectationResolvesASharpFeatureAndItsErrorEstimateCoversTheError()
    {
        // E erf(a t)^2 for t ~ N(0, 1) with a = 100 (a step of width 0.01) is 2/pi asin(2a^2/(1 + 2a^2)).
        double a = 100;
        double exact = 2 / Math.PI * Math.Atan2(2 * a * a, Math.Sqrt(1 + 4 * a * a));
        double Erf(double x) => GaussLawErf(x);
        (Triple m, double error) = GaussianExpectation.Integrate(t => new Triple(Erf(a * t) * Erf(a * t), 0, 0), 0, 1, 1e-13, [0, 0.01, -0.01]);
        Assert.True(Math.Abs(m.A - exact) < 1e-12, $"{m.A} vs {exact}");
        (Triple rough, double roughError) = GaussianExpectation.Integrate(t => new Triple(Erf(a * t) * Erf(a * t), 0, 0), 0, 1, 1e-4, [0]);
        Assert.True(Math.Abs(rough.A - exact) <= roughError, $"error {Math.Abs(rough.A - exact)} above its estimate {roughError}");
        Assert.True(error >= 0);
    }

    private static double GaussLawErf(double x) => 2 * global::EmbeddedEnsembles.Descriptions.GaussLaw.NormalCdf(x * Math.Sqrt(2)) - 1;

    [Fact]
    public void JacobiEigenDecompositionReconstructsASymmetricMatrix()
    {
        int n = 25;
        double[,] x = KernelTestData.Points(n, n, 3);
        double[,] a = Matrix.Combine(1.0 / n, Matrix.Multiply(x, Matrix.Transpose(x)), 0.1, Matrix.Identity(n)); // well-conditioned SPD
        SymmetricEigen e = SymmetricEigen.Decompose(a);
        double[,] back = e.Apply(l => l);
        Assert.True(Matrix.MaxAbsDifference(back, a) < 1e-12 * Matrix.Frobenius(a));
        double[,] qtq = Matrix.Multiply(Matrix.Transpose(e.Vectors), e.Vectors);
        Assert.True(Matrix.MaxAbsDifference(qtq, Matrix.Identity(n)) < 1e-13);
        for (int k = 1; k < n; k++)
        {
            Assert.True(e.Values[k] >= e.Values[k - 1]);
        }
        double[,] inv = e.Apply(l => 1 / l);
        Assert.True(Matrix.MaxAbsDifference(Matrix.Multiply(inv, a), Matrix.Identity(n)) < 1e-9);
    }
}

public class GeluTableTests
{
    [Fact]
    public void TabulatedNormalCdfMatchesTheExactOne()
    {
        // GELU's quadrature reads Phi from a quintic Hermite table; it must match the exact Phi to the error its
        // kernels' estimate counts.
        double worst = 0;
        for (double z = -12; z <= 12; z += 0.0017)
        {
            worst = Math.Max(worst, Math.Abs(global::EmbeddedEnsembles.Descriptions.GeluActivation.FastCdf(z) - global::EmbeddedEnsembles.Descriptions.GaussLaw.NormalCdf(z)));
        }
        Assert.True(worst < global::EmbeddedEnsembles.Descriptions.GeluActivation.TableError, $"max error {worst}");
    }

    [Fact]
    public void TaylorNormalCdfMatchesTheExactOneToRounding()
    {
        // The Gaussian-law rules read Phi from Taylor polynomials about the table's nodes: exact to rounding.
        double worst = 0;
        for (double z = -12; z <= 12; z += 0.0017)
        {
            worst = Math.Max(worst, Math.Abs(global::EmbeddedEnsembles.Descriptions.GeluActivation.TaylorCdf(z) - global::EmbeddedEnsembles.Descriptions.GaussLaw.NormalCdf(z)));
        }
        Assert.True(worst < 1e-15, $"max error {worst}"); // a few ulp of 1 (6.7e-16 measured), both sides rounding
    }
}
