using System.Globalization;

namespace EEArtifacts.Reporting.Stats;

/// <summary>A value with its uncertainty (a standard error unless <see cref="Kind"/> says otherwise) and
/// the number of observations behind it.</summary>
public readonly record struct Measurement(double Value, double Uncertainty, int N, string Kind = "SE")
{
    public bool IsFinite => double.IsFinite(Value) && double.IsFinite(Uncertainty);

    public static Measurement Exact(double value) => new(value, 0, 1);

    public static Measurement operator -(Measurement a, Measurement b) =>
        new(a.Value - b.Value, Math.Sqrt(a.Uncertainty * a.Uncertainty + b.Uncertainty * b.Uncertainty), Math.Min(a.N, b.N), a.Kind);

    public override string ToString() => Format(this);

    public static string Format(Measurement m) =>
        !double.IsFinite(m.Value) ? "n/a" :
        double.IsFinite(m.Uncertainty) ? $"{Num(m.Value)} ± {Num(m.Uncertainty)} ({m.Kind}, n={m.N})" : $"{Num(m.Value)} (n={m.N}, {m.Kind} unknown)";

    /// <summary>Four significant digits, invariant culture.</summary>
    public static string Num(double v)
    {
        if (!double.IsFinite(v))
        {
            return v.ToString(CultureInfo.InvariantCulture);
        }

        if (v == 0)
        {
            return "0";
        }

        var a = Math.Abs(v);
        return a is >= 1e-3 and < 1e5 ? v.ToString("G4", CultureInfo.InvariantCulture) : v.ToString("0.###E+0", CultureInfo.InvariantCulture);
    }
}

/// <summary>A least-squares line y = a + b x with standard errors; <paramref name="MeanX"/> and <paramref name="Sxx"/>
/// (the sum of squared x deviations) give the SE of a prediction.</summary>
public readonly record struct LineFit(double Intercept, double Slope, double SlopeSe, double InterceptSe, int N, double MeanX = double.NaN, double Sxx = double.NaN)
{
    public Measurement SlopeMeasurement => new(Slope, SlopeSe, N);

    /// <summary>The fitted line's value at x with its SE, sqrt(s² (1/n + (x − mean x)² / Sxx)) (NaN with fewer than three points).</summary>
    public Measurement At(double x)
    {
        var s2 = SlopeSe * SlopeSe * Sxx;
        return new Measurement(Intercept + Slope * x, Math.Sqrt(s2 * (1.0 / N + (x - MeanX) * (x - MeanX) / Sxx)), N);
    }
}

public static class Stat
{
    public static double[] Finite(IEnumerable<double> xs) => xs.Where(double.IsFinite).ToArray();

    public static double Mean(IEnumerable<double> xs)
    {
        var a = Finite(xs);
        return a.Length == 0 ? double.NaN : a.Average();
    }

    /// <summary>Sample standard deviation (n-1); NaN for fewer than two values.</summary>
    public static double Sd(IEnumerable<double> xs)
    {
        var a = Finite(xs);
        if (a.Length < 2)
        {
            return double.NaN;
        }

        var m = a.Average();
        return Math.Sqrt(a.Sum(x => (x - m) * (x - m)) / (a.Length - 1));
    }

    /// <summary>Mean over observations with the standard error of the mean from their spread (SD/sqrt(n)).</summary>
    public static Measurement MeanSe(IEnumerable<double> xs)
    {
        var a = Finite(xs);
        return a.Length == 0 ? new Measurement(double.NaN, double.NaN, 0) : new Measurement(a.Average(), Sd(a) / Math.Sqrt(a.Length), a.Length);
    }

    /// <summary>Mean of values that each carry their own SE, assumed independent: SE = sqrt(sum se^2)/n.</summary>
    public static Measurement MeanOfMeasured(IEnumerable<(double Value, double Se)> xs)
    {
        var a = xs.Where(x => double.IsFinite(x.Value)).ToArray();
        if (a.Length == 0)
        {
            return new Measurement(double.NaN, double.NaN, 0);
        }

        return new Measurement(a.Average(x => x.Value), Math.Sqrt(a.Sum(x => x.Se * x.Se)) / a.Length, a.Length);
    }

    /// <summary>Ordinary least squares. The slope's SE comes from the residuals (NaN with fewer than three points).</summary>
    public static LineFit Fit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var pts = x.Zip(y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
        var n = pts.Length;
        if (n < 2)
        {
            return new LineFit(double.NaN, double.NaN, double.NaN, double.NaN, n);
        }

        var mx = pts.Average(p => p.First);
        var my = pts.Average(p => p.Second);
        var sxx = pts.Sum(p => (p.First - mx) * (p.First - mx));
        if (sxx == 0)
        {
            return new LineFit(double.NaN, double.NaN, double.NaN, double.NaN, n);
        }

        var b = pts.Sum(p => (p.First - mx) * (p.Second - my)) / sxx;
        var a = my - b * mx;
        if (n < 3)
        {
            return new LineFit(a, b, double.NaN, double.NaN, n);
        }

        var rss = pts.Sum(p => Math.Pow(p.Second - a - b * p.First, 2));
        var s2 = rss / (n - 2);
        var seB = Math.Sqrt(s2 / sxx);
        var seA = Math.Sqrt(s2 * (1.0 / n + mx * mx / sxx));
        return new LineFit(a, b, seB, seA, n, mx, sxx);
    }

    /// <summary>
    /// One slope common to several groups, each with its own intercept (y = a_g + b x): least squares on x and y
    /// centred within their group. The SE comes from the residuals with n − groups − 1 degrees of freedom (NaN when
    /// none are left or x never varies within a group).
    /// </summary>
    public static Measurement PooledSlope(IEnumerable<(string Group, double X, double Y)> points)
    {
        var pts = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        var centred = pts.GroupBy(p => p.Group)
            .SelectMany(g =>
            {
                var (mx, my) = (g.Average(p => p.X), g.Average(p => p.Y));
                return g.Select(p => (X: p.X - mx, Y: p.Y - my));
            })
            .ToArray();
        var groups = pts.Select(p => p.Group).Distinct().Count();
        var sxx = centred.Sum(p => p.X * p.X);
        if (sxx == 0)
        {
            return new Measurement(double.NaN, double.NaN, pts.Length);
        }

        var b = centred.Sum(p => p.X * p.Y) / sxx;
        var dof = pts.Length - groups - 1;
        var se = dof > 0 ? Math.Sqrt(centred.Sum(p => Math.Pow(p.Y - b * p.X, 2)) / dof / sxx) : double.NaN;
        return new Measurement(b, se, pts.Length);
    }
}
