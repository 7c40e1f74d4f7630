using System.Collections.Concurrent;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Numerics;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The activation smoothed over a Gaussian law of v: h(z) = E_v phi(v z) and h_d(z) = E_v v phi'(v z), the factors
/// of the cross-member moments (<see cref="GaussLawKernelRule.CrossMember"/>). Tabulated in tau = log|z| (each sign
/// apart) on unit panels over [-40, 40] by Chebyshev interpolation of degree 23, the node values by adaptive
/// Gauss-Kronrod over v (tolerance 1e-15). h(e^tau) is analytic for |Im tau| &lt; pi/2 (phi(v e^tau) turns over
/// with a width of order 1 in tau, and tanh's poles sit on Im tau = pi/2), so the coefficients fall by about 6 per
/// degree on a unit panel; the panel's error estimate is its two last coefficients plus 3 times (the Lebesgue
/// constant) the node values' own estimates. Below |z| = e^-40, h = E v phi'(0) z and h_d = E v phi'(0) + E v^2
/// phi''(0) z to 1e-17; above e^40, the adaptive rule is called directly. Panels are built on first use and shared
/// per activation and law.
/// </summary>
internal sealed class SmoothedActivation
{
    private const int Order = 24;
    private const int Lowest = -40;
    private const int Highest = 40;
    private static readonly ConcurrentDictionary<(Type, string, double, double), SmoothedActivation> Tables = new();

    private readonly Activation _phi;
    private readonly GaussLaw _v;
    private readonly Panel?[] _positive = new Panel?[Highest - Lowest];
    private readonly Panel?[] _negative = new Panel?[Highest - Lowest];

    private sealed record Panel(double[] H, double[] Hd, double Error);

    private SmoothedActivation(Activation phi, GaussLaw v)
    {
        _phi = phi;
        _v = v;
    }

    /// <summary>The shared table of <paramref name="phi"/> under <paramref name="v"/>.</summary>
    public static SmoothedActivation Of(Activation phi, GaussLaw v) =>
        Tables.GetOrAdd((phi.GetType(), phi.Name, v.Mu, v.S), _ => new SmoothedActivation(phi, v));

    /// <summary>h(z), h_d(z) and a bound on the absolute error of each.</summary>
    public (double H, double Hd, double Error) At(double z)
    {
        double magnitude = Math.Abs(z);
        if (!(magnitude >= Math.Exp(Lowest)))
        {
            double d0 = _phi.AnalyticKernelValue(0).Derivative, mean = _v.Mu;
            double hd = mean * d0 + _v.SecondMoment * _phi.KernelSecondDerivative(0) * z;
            return (mean * d0 * z, hd, magnitude * (_v.SecondMoment + 1));
        }
        double tau = Math.Log(magnitude);
        if (tau >= Highest)
        {
            return Direct(z);
        }
        int k = (int)Math.Floor(tau);
        Panel?[] panels = z > 0 ? _positive : _negative;
        Panel panel = panels[k - Lowest] ??= Build(Math.Sign(z), k);
        double x = 2 * (tau - k) - 1;
        return (Clenshaw(panel.H, x), Clenshaw(panel.Hd, x), panel.Error);
    }

    private (double H, double Hd, double Error) Direct(double z)
    {
        (Triple m, double e) = GaussianExpectation.Integrate(a =>
            {
                (double f, double d) = _phi.AnalyticKernelValue(a * z);
                return new Triple(f, a * d, 0);
            },
            _v.Mu, _v.S, 1e-15, QuadratureKernelRule.Breaks(1 / Math.Abs(z)));
        return (m.A, m.B, e);
    }

    // Chebyshev coefficients from the values at the first-kind points x_j = cos(pi (j + 1/2) / n) of the panel [k, k + 1] in tau.
    private Panel Build(int sign, int k)
    {
        var h = new double[Order];
        var hd = new double[Order];
        double nodeError = 0;
        for (int j = 0; j < Order; j++)
        {
            double x = Math.Cos(Math.PI * (j + 0.5) / Order);
            (double f, double fd, double e) = Direct(sign * Math.Exp(k + 0.5 * (1 + x)));
            nodeError = Math.Max(nodeError, e);
            for (int m = 0; m < Order; m++)
            {
                double c = Math.Cos(Math.PI * m * (j + 0.5) / Order);
                h[m] += f * c;
                hd[m] += fd * c;
            }
        }
        double sum = 0;
        for (int m = 0; m < Order; m++)
        {
            double scale = (m == 0 ? 1.0 : 2.0) / Order;
            h[m] *= scale;
            hd[m] *= scale;
            sum += Math.Abs(h[m]) + Math.Abs(hd[m]);
        }
        double tail = Math.Max(Math.Abs(h[^1]) + Math.Abs(h[^2]), Math.Abs(hd[^1]) + Math.Abs(hd[^2]));
        return new Panel(h, hd, tail + 3 * nodeError + 4 * Order * KernelErrors.Epsilon * sum);
    }

    // sum_m c_m T_m(x).
    private static double Clenshaw(double[] c, double x)
    {
        double b1 = 0, b2 = 0;
        for (int m = c.Length - 1; m >= 1; m--)
        {
            (b1, b2) = (c[m] + 2 * x * b1 - b2, b1);
        }
        return c[0] + x * b1 - b2;
    }
}
