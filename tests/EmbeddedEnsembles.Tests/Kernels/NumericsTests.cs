using EmbeddedEnsembles.Kernels;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

public class NumericsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(24)]
    [InlineData(40)]
    [InlineData(80)]
    public void GaussHermiteIntegratesNormalMomentsExactly(int order)
    {
        GaussHermite rule = GaussHermite.Get(order);
        Assert.Equal(order, rule.Order);
        // E g^(2k) = (2k-1)!!, exact up to degree 2n-1; 1e-11 relative covers rounding in the weights.
        double expected = 1;
        for (int k = 0; 2 * k <= 2 * order - 1 && k <= 10; k++)
        {
            double sum = 0, odd = 0;
            for (int i = 0; i < order; i++)
            {
                sum += rule.Weights[i] * Math.Pow(rule.Nodes[i], 2 * k);
                odd += rule.Weights[i] * Math.Pow(rule.Nodes[i], 2 * k + 1);
            }
            Assert.True(Math.Abs(sum - expected) <= 1e-11 * expected, $"order {order}: E g^{2 * k} = {sum}, expected {expected}");
            Assert.True(Math.Abs(odd) <= 1e-11 * Math.Max(1, expected * (2 * k + 1)), $"odd moment {odd}");
            expected *= 2 * k + 1;
        }
    }

    [Fact]
    public void JacobiEigenDecompositionReconstructsASymmetricMatrix()
    {
        int n = 25;
        double[,] x = KernelTestData.Points(n, n, 3);
        double[,] a = Dense.Combine(1.0 / n, Dense.Multiply(x, Dense.Transpose(x)), 0.1, Dense.Identity(n)); // well-conditioned SPD
        SymmetricEigen e = SymmetricEigen.Decompose(a);
        double[,] back = e.Apply(l => l);
        Assert.True(Dense.MaxAbsDifference(back, a) < 1e-12 * Dense.Frobenius(a));
        double[,] qtq = Dense.Multiply(Dense.Transpose(e.Vectors), e.Vectors);
        Assert.True(Dense.MaxAbsDifference(qtq, Dense.Identity(n)) < 1e-13);
        for (int k = 1; k < n; k++)
        {
            Assert.True(e.Values[k] >= e.Values[k - 1]);
        }
        double[,] inv = e.Apply(l => 1 / l);
        Assert.True(Dense.MaxAbsDifference(Dense.Multiply(inv, a), Dense.Identity(n)) < 1e-9);
    }
}

public class GeluTableTests
{
    [Fact]
    public void TabulatedNormalCdfMatchesTheExactOne()
    {
        // GELU's quadrature reads Phi from a quintic Hermite table; it must match the exact Phi to 1e-12.
        double worst = 0;
        for (double z = -12; z <= 12; z += 0.0017)
        {
            worst = Math.Max(worst, Math.Abs(global::EmbeddedEnsembles.Descriptions.GeluActivation.FastCdf(z) - global::EmbeddedEnsembles.Descriptions.GaussLaw.NormalCdf(z)));
        }
        Assert.True(worst < 1e-12, $"max error {worst}");
    }
}
