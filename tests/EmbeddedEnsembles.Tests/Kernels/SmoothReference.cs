using EmbeddedEnsembles.Descriptions;
using DD = EEArtifacts.EmbeddedEnsembles.Tests.Kernels.DoubleDouble;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

/// <summary>
/// The Gaussian-pair moments of tanh and GELU for fixed modulations (a, b), by a rule independent of the library's
/// adaptive Gauss-Kronrod: whitened coordinates z = sd1 x, z' = sd2 (rho x + sin theta y) with x, y ~ N(0, 1) iid, and
/// a fixed composite 16-point Gauss-Legendre rule in each of x and y on [-10, 10] (the mass beyond is 2e-23): unit
/// panels, plus panels graded geometrically (ratio 2, from a quarter of the width) around the point where the
/// integrand turns over: x = 0 (width 1/(|a| sd1), and the inner mean's crossing) and y = -rho x / sin theta (width
/// 1/(|b| sd2 sin theta)). On each panel the integrand is analytic well beyond the panel (tanh's poles lie pi/2 widths
/// off the axis), so 16 points leave an error far below 1e-16; the test checks this by halving every panel. Sums
/// are accumulated in double-double; tanh and GELU values are the double ones (Math.Tanh; x Phi(x) with Phi from
/// <see cref="GeluActivation.TaylorCdf"/>, within 7e-16 of the library's erfc as GeluTableTests checks, not GELU's
/// quintic table), about 1 ulp each.
/// </summary>
internal static class SmoothReference
{
    private const double Range = 10;
    private static readonly (double[] Nodes, double[] Weights) Legendre = GaussLegendre(16);

    /// <summary>Whether every panel is halved (the convergence check).</summary>
    [ThreadStatic] public static bool Refined;

    /// <summary>E[phi(a z) phi(b z')], E[a b phi'(a z) phi'(b z')], E[phi'(a z) phi'(b z') z z'].</summary>
    public static (DD Pp, DD Dd, DD Zz) Pair(string activation, double a, double b, double k11, double k22, double k12)
    {
        Func<double, (double F, double D)> phi = Phi(activation);
        (DD pp, DD dd, DD zz) = Pair(t => phi(a * t), t => phi(b * t), Math.Abs(a), Math.Abs(b), k11, k22, k12);
        return (pp, a * b * dd, zz);
    }

    /// <summary>
    /// Same-member moments under v ~ N(mu, s^2): <see cref="Pair(string, double, double, double, double, double)"/> at
    /// a = b = v, averaged by the composite rule in u = (v - mu)/s, graded around v = 0 where the moments turn over
    /// (width 1/(s max(sd1, sd2)) in u).
    /// </summary>
    public static (DD Pp, DD Dd, DD Zz) GaussSame(string activation, double mu, double s, double k11, double k22, double k12)
    {
        DD pp = 0, dd = 0, zz = 0;
        foreach ((double u, double w) in Rule(-mu / s, Width(s * Math.Sqrt(Math.Max(k11, k22)))))
        {
            double v = mu + s * u;
            (DD p, DD d, DD z) = Pair(activation, v, v, k11, k22, k12);
            pp += w * p;
            dd += w * d;
            zz += w * z;
        }
        return (pp, dd, zz);
    }

    /// <summary>
    /// Cross-member moments under independent v, v' ~ N(mu, s^2): E[h(z) h(z')] and E[h_d(z) h_d(z')] by the pair rule,
    /// with h(z) = E_v phi(v z), h_d(z) = E_v v phi'(v z) each by the composite rule in u graded around v = 0 (width
    /// 1/(s |z|)); the pair rule's grading takes |mu| + 3 s as the scale of v.
    /// </summary>
    public static (DD Pp, DD Dd) GaussCross(string activation, double mu, double s, double k11, double k22, double k12)
    {
        Func<double, (double F, double D)> phi = Phi(activation);
        (double, double) Smoothed(double z)
        {
            DD h = 0, hd = 0;
            foreach ((double u, double w) in Rule(-mu / s, Width(s * Math.Abs(z))))
            {
                double v = mu + s * u;
                (double f, double d) = phi(v * z);
                h += w * f;
                hd += w * (v * d);
            }
            return (h.Value, hd.Value);
        }
        double scale = Math.Abs(mu) + 3 * s;
        (DD pp, DD dd, _) = Pair(Smoothed, Smoothed, scale, scale, k11, k22, k12);
        return (pp, dd);
    }

    private static Func<double, (double F, double D)> Phi(string activation) => activation switch
        {
            "tanh" => t => { double y = Math.Tanh(t); return (y, 1 - y * y); },
            "gelu" => t =>
            {
                double cdf = GeluActivation.TaylorCdf(t);
                return (t * cdf, cdf + t * Math.Exp(-0.5 * t * t) / Math.Sqrt(2 * Math.PI));
            },
            _ => throw new NotSupportedException(activation),
        };

    // E[f1(z) f2(z')] and E[d1(z) d2(z')], E[d1(z) d2(z') z z'] for (f, d) = f1, f2, which turn over at |z| ~ 1/a and 1/b.
    private static (DD Pp, DD Dd, DD Zz) Pair(Func<double, (double F, double D)> f1, Func<double, (double F, double D)> f2,
        double a, double b, double k11, double k22, double k12)
    {
        double sd1 = Math.Sqrt(k11), sd2 = Math.Sqrt(k22);
        double scale = sd1 * sd2;
        double rho = Math.Clamp(k12 / scale, -1, 1);
        DD gram = (DD)k11 * k22 - (DD)k12 * k12;
        double det = gram.Hi > 0 ? gram.Value : 0;
        double sin = Math.Min(Math.Sqrt(det) / scale, 1);
        double innerWidth = Width(b * sd2 * sin);
        double outerWidth = Math.Min(Width(a * sd1),
            rho != 0 ? (Width(b) + sd2 * sin) / (sd2 * Math.Abs(rho)) : double.PositiveInfinity);
        DD pp = 0, dd = 0, zz = 0;
        foreach ((double x, double wx) in Rule(0, outerWidth))
        {
            double z = sd1 * x;
            (double p1, double d1) = f1(z);
            DD ip = 0, id = 0, iz = 0;
            double center = sin > 0 ? -rho * x / sin : 0;
            IEnumerable<(double, double)> inner = sin > 0 ? Rule(center, innerWidth) : [(0, 1)];
            foreach ((double y, double wy) in inner)
            {
                double z2 = sd2 * (rho * x + sin * y);
                (double p2, double d2) = f2(z2);
                ip += wy * p2;
                id += wy * d2;
                iz += wy * (d2 * z2);
            }
            pp += wx * p1 * ip;
            dd += wx * d1 * id;
            zz += wx * (d1 * z) * iz;
        }
        return (pp, dd, zz);
    }

    // The transition width 1/s (a point where nothing turns over for s = 0).
    private static double Width(double s) => s > 0 ? 1 / s : double.PositiveInfinity;

    // Nodes and weights (including the N(0, 1) density) of the composite rule on [-10, 10] around `center`.
    private static IEnumerable<(double X, double W)> Rule(double center, double width)
    {
        var points = new SortedSet<double>();
        for (int k = -(int)Range; k <= Range; k++) points.Add(k);
        if (double.IsFinite(width) && Math.Abs(center) < Range + 2 * Range)
        {
            points.Add(Math.Clamp(center, -Range, Range));
            for (double w = width / 4; w < 4 * Range; w *= 2)
            {
                foreach (double p in new[] { center - w, center + w })
                {
                    if (p > -Range && p < Range) points.Add(p);
                }
            }
        }
        double[] p0 = points.ToArray();
        var result = new List<(double, double)>(p0.Length * 32);
        for (int i = 1; i < p0.Length; i++)
        {
            int halves = Refined ? 2 : 1;
            double step = (p0[i] - p0[i - 1]) / halves;
            for (int h = 0; h < halves; h++)
            {
                double lo = p0[i - 1] + h * step, half = step / 2, mid = lo + half;
                if (half <= 0) continue;
                for (int k = 0; k < Legendre.Nodes.Length; k++)
                {
                    double x = mid + half * Legendre.Nodes[k];
                    result.Add((x, half * Legendre.Weights[k] * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI)));
                }
            }
        }
        return result;
    }

    // Gauss-Legendre nodes and weights on [-1, 1] by Newton's method on P_n.
    private static (double[], double[]) GaussLegendre(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5)), dp = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                double p0 = 1, p1 = x;
                for (int k = 2; k <= n; k++)
                {
                    (p0, p1) = (p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k);
                }
                dp = n * (x * p1 - p0) / (x * x - 1);
                double dx = p1 / dp;
                x -= dx;
                if (Math.Abs(dx) < 1e-17) break;
            }
            nodes[i] = x;
            weights[i] = 2 / ((1 - x * x) * dp * dp);
        }
        return (nodes, weights);
    }
}
