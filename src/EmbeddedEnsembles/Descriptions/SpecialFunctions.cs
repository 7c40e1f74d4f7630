namespace EmbeddedEnsembles.Descriptions;

/// <summary>Scalar special functions in float64 that .NET lacks.</summary>
public static class SpecialFunctions
{
    /// <summary>The error function.</summary>
    public static double Erf(double x) => Math.Abs(x) < 2.5 ? ErfSeries(x) : Math.Sign(x) * (1 - ErfcContinuedFraction(Math.Abs(x)));

    /// <summary>The complementary error function, accurate in the upper tail.</summary>
    public static double Erfc(double x) => x < 2.5 ? 1 - Erf(x) : ErfcContinuedFraction(x);

    // erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): all terms positive, no cancellation.
    private static double ErfSeries(double x)
    {
        double term = x, sum = x, x2 = x * x;
        for (int n = 1; n < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
        {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
    }

    // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail (x >= 2.5).
    private static double ErfcContinuedFraction(double x)
    {
        double f = x;
        for (int k = 120; k >= 1; k--)
        {
            f = x + k / 2.0 / f;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
