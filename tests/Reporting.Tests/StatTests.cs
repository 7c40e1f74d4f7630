using EEArtifacts.Reporting.Stats;

namespace EEArtifacts.Reporting.Tests;

/// <summary>The fits behind E4.3 and E5.1.</summary>
public sealed class StatTests
{
    [Fact]
    public void APooledSlopeIgnoresEachGroupsOwnLevel()
    {
        // Two groups 0.5 apart, each y = level + 0.02 x with residuals ±0.001.
        var points = new[] { ("a", 0.0), ("a", 1.0), ("a", 2.0), ("a", 3.0), ("b", 0.0), ("b", 1.0), ("b", 2.0), ("b", 3.0) }
            .Select((p, i) => (p.Item1, p.Item2, (p.Item1 == "a" ? 0.3 : 0.8) + 0.02 * p.Item2 + (i % 2 == 0 ? 0.001 : -0.001)));

        var slope = Stat.PooledSlope(points);

        Assert.Equal(0.02, slope.Value, 3);
        Assert.InRange(slope.Uncertainty, 1e-5, 1e-3);
        Assert.Equal(8, slope.N);
    }

    [Fact]
    public void APooledSlopeWithNoDegreesOfFreedomLeftHasNoSe()
    {
        var slope = Stat.PooledSlope([("a", 0.0, 1.0), ("a", 1.0, 2.0)]);

        Assert.Equal(1, slope.Value, 12);
        Assert.True(double.IsNaN(slope.Uncertainty));
    }

    [Fact]
    public void TheLinesSeAtAPointGrowsAwayFromTheMeanOfX()
    {
        double[] x = [0, 1, 2, 3, 4];
        double[] y = [0.1, 0.32, 0.48, 0.71, 0.9];
        var fit = Stat.Fit(x, y);
        var s2 = fit.SlopeSe * fit.SlopeSe * 10; // Sxx = 10

        Assert.Equal(Math.Sqrt(s2 / 5), fit.At(2).Uncertainty, 12);
        Assert.Equal(Math.Sqrt(s2 * (1.0 / 5 + 4.0 / 10)), fit.At(4).Uncertainty, 12);
        Assert.Equal(fit.Intercept + 4 * fit.Slope, fit.At(4).Value, 12);
    }
}
