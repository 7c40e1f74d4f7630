namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

/// <summary>
/// Double-double arithmetic (about 32 significant digits: a value is Hi + Lo with |Lo| &lt;= ulp(Hi)/2), the
/// high-precision side of the kernel accuracy tests. Error-free sums (Knuth's TwoSum) and products (fused
/// multiply-add); sqrt, division, sin/cos and atan2 by Newton steps from the double result.
/// </summary>
public readonly record struct DoubleDouble(double Hi, double Lo)
{
    public static readonly DoubleDouble Pi = new(3.141592653589793, 1.2246467991473532e-16);

    public static implicit operator DoubleDouble(double x) => new(x, 0);

    public double Value => Hi + Lo;

    public static DoubleDouble operator +(DoubleDouble a, DoubleDouble b)
    {
        (double s, double e) = TwoSum(a.Hi, b.Hi);
        (double t, double f) = TwoSum(a.Lo, b.Lo);
        e += t;
        (s, e) = QuickTwoSum(s, e);
        e += f;
        return FromSum(s, e);
    }

    public static DoubleDouble operator -(DoubleDouble a) => new(-a.Hi, -a.Lo);
    public static DoubleDouble operator -(DoubleDouble a, DoubleDouble b) => a + -b;

    public static DoubleDouble operator *(DoubleDouble a, DoubleDouble b)
    {
        double p = a.Hi * b.Hi;
        double e = Math.FusedMultiplyAdd(a.Hi, b.Hi, -p);
        e += a.Hi * b.Lo + a.Lo * b.Hi;
        return FromSum(p, e);
    }

    public static DoubleDouble operator /(DoubleDouble a, DoubleDouble b)
    {
        double q1 = a.Hi / b.Hi;
        DoubleDouble r = a - b * q1;
        double q2 = r.Hi / b.Hi;
        r -= b * q2;
        double q3 = r.Hi / b.Hi;
        return FromSum(q1, q2) + q3;
    }

    public static bool operator <(DoubleDouble a, DoubleDouble b) => a.Hi < b.Hi || (a.Hi == b.Hi && a.Lo < b.Lo);
    public static bool operator >(DoubleDouble a, DoubleDouble b) => b < a;

    public static DoubleDouble Sqrt(DoubleDouble a)
    {
        if (a.Hi <= 0) return 0;
        double x = Math.Sqrt(a.Hi);
        DoubleDouble xx = x;
        return xx + (a - xx * xx) / (2 * xx); // one Newton step doubles the digits
    }

    public static DoubleDouble Max(DoubleDouble a, DoubleDouble b) => a < b ? b : a;

    /// <summary>sin and cos by Taylor series on x / 2^8, then eight double-angle steps.</summary>
    public static (DoubleDouble Sin, DoubleDouble Cos) SinCos(DoubleDouble x)
    {
        DoubleDouble t = x * (1.0 / 256);
        DoubleDouble term = t, sin = t, t2 = t * t;
        for (int k = 1; k < 14; k++)
        {
            term = -(term * t2) / ((2.0 * k) * (2.0 * k + 1));
            sin += term;
        }
        DoubleDouble cos = Sqrt(1 - sin * sin);
        for (int k = 0; k < 8; k++)
        {
            (sin, cos) = (2 * sin * cos, cos * cos - sin * sin);
        }
        return (sin, cos);
    }

    /// <summary>atan2(y, x) in [0, pi] for y &gt;= 0: Newton steps on y cos t - x sin t = 0 from the double value.</summary>
    public static DoubleDouble Atan2(DoubleDouble y, DoubleDouble x)
    {
        DoubleDouble t = Math.Atan2(y.Value, x.Value);
        for (int k = 0; k < 2; k++)
        {
            (DoubleDouble s, DoubleDouble c) = SinCos(t);
            t += (y * c - x * s) / (x * c + y * s);
        }
        return t;
    }

    private static DoubleDouble FromSum(double a, double b)
    {
        (double s, double e) = QuickTwoSum(a, b);
        return new DoubleDouble(s, e);
    }

    private static (double S, double E) TwoSum(double a, double b)
    {
        double s = a + b;
        double bb = s - a;
        return (s, (a - (s - bb)) + (b - bb));
    }

    private static (double S, double E) QuickTwoSum(double a, double b)
    {
        double s = a + b;
        return (s, b - (s - a));
    }
}
