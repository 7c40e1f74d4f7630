using System.Collections.Concurrent;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Numerics;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// Moments of an activation without a closed form (tanh, GELU) under a Gaussian law of v, by fixed rules that take
/// tens of milliseconds per pair where the nested adaptive rules (three levels deep) took seconds.
/// <para>
/// Polar coordinates: (z, z') = r (sd1 cos w, sd2 cos(w - theta)) with r Rayleigh (density r e^(-r^2/2)) and w
/// uniform on [0, 2 pi), independent. Same-member: phi(v z) depends on v and r only through s = |v| r (a negative v
/// is w + pi), so E_v E[phi(vz) phi(vz')] = E_w E_s phi(s c1(w)) phi(s c2(w)), c1 = sd1 cos w, c2 = sd2 cos(w - theta):
/// one dimension fewer. The weights of t = log s, P0(t) = density, P2(t) = E[v^2; t], Pr(t) = E[r^2; t], depend on the
/// law only (cached per law and grid). Cross-member: E_{v,v'} E[phi(vz) phi(v'z')] = E[h(z) h(z')] with the smoothed
/// activation h(z) = E_v phi(vz) (<see cref="SmoothedActivation"/>, a Chebyshev table per activation and law), over
/// t = log r and w.
/// </para>
/// <para>
/// Why these variables: phi(e^t c) turns over where t = -log|c|, with the same width whatever the pre-activation
/// spread, and phi(e^t c) is analytic for |Im t| &lt; pi/2 (tanh's poles sit on Im t = pi/2), so the outer rule in t is
/// a fixed composite one: 15-point Gauss-Kronrod on half-unit panels from 1 below the first turn-over (t = -log of
/// the largest |c|, or the lower end of the weights' bulk if that is lower) to the end of the weights' support, and
/// panels lengthening below it (no turn-over there; 40 units down, where the weights are below e^-40 of their scale). The inner rule in w is graded geometrically
/// (ratio 2) around the four angles where c1 or c2 vanishes, down to the transition width e^-t / max(sd1, sd2) of that
/// t: every panel then lies at least its own half-length from the integrand's singularities, so 15 points converge
/// whatever the width.
/// </para>
/// <para>
/// Error estimate: per panel the Kronrod-Gauss difference with QUADPACK's scaling (as <see cref="GaussianExpectation"/>),
/// the inner estimates summed with the outer weights, plus the weights' and the table's own estimates times the
/// moments' magnitudes. The tests check it against a double-double reference over a composite rule in v.
/// </para>
/// </summary>
public static class GaussLawKernelRule
{
    private static readonly (double X, double K, double G)[] Rule15 = GaussianExpectation.Rule15;
    private static readonly ConcurrentDictionary<(double Mu, double S, int Turn, int End), OuterGrid> SameGrids = new();

    // Weights below e^-40 of their scale are dropped.
    private const double TailLength = 40;

    // Panel lengths below the turn-over, where the integrand falls like e^t (or faster): a 15-point panel of length L
    // integrates e^t to about (L/2)^30 / 30!, so the panels grow only as the values they carry shrink.
    private static readonly double[] TailSteps = [1, 1, 2, 2, 2, 4, 4, 8, 8, 8];

    /// <summary>Same-member moments E_v E[phi(vz) phi(vz')], E_v E[v^2 phi'(vz) phi'(vz')], E_v E[phi'(vz) phi'(vz') z z'] for v of <paramref name="v"/>.</summary>
    public static SameMemberMoments SameMember(Activation activation, GaussLaw v, PairCovariance k)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        double sd1 = k.Sd1, sd2 = k.Sd2, sdMax = Math.Max(sd1, sd2);
        if (!(sdMax > 0))
        {
            (double p, double d) = activation.AnalyticKernelValue(0);
            return new SameMemberMoments(p * p, v.SecondMoment * d * d, 0);
        }
        // s = |v| r with |v| <= |mu| + 9 s and r <= 11 (the mass beyond is below e^-40).
        int end = (int)Math.Ceiling(2 * (Math.Log(Math.Abs(v.Mu) + 9 * v.S) + 2.4));
        // The weights' bulk reaches down to s = |v| r ~ (|mu| + s) / 20 (r = 0.05); below it they fall like e^t.
        int turn = Math.Min(TurnOver(sdMax), (int)Math.Floor(Math.Log((Math.Abs(v.Mu) + v.S) / 20)));
        OuterGrid grid = SameGrids.GetOrAdd((v.Mu, v.S, turn, end), key => SameGrid(v, key.Turn, key.End));
        double theta = k.Theta;
        double[] centers = Centers(theta);
        (Triple value, Triple error) = Polar(grid, 1 / sdMax, centers, (node, w) =>
        {
            double s = grid.Exp[node];
            double c1 = sd1 * Math.Cos(w), c2 = sd2 * Math.Cos(w - theta);
            double a = s * c1, b = s * c2;
            Triple p = grid.Weights[node];
            (double fa, double da) = activation.AnalyticKernelValue(a);
            (double fb, double db) = activation.AnalyticKernelValue(b);
            return new Triple(p.A * fa * fb, p.B * da * db, p.C * c1 * c2 * da * db);
        });
        return new SameMemberMoments(value.A, value.B, value.C, error.Max());
    }

    /// <summary>Cross-member moments E[h(z) h(z')], E[h_d(z) h_d(z')] with h(z) = E_v phi(vz), h_d(z) = E_v v phi'(vz) for independent v, v' of <paramref name="v"/>.</summary>
    public static CrossMemberMoments CrossMember(Activation activation, GaussLaw v, PairCovariance k)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        SmoothedActivation h = SmoothedActivation.Of(activation, v);
        double sd1 = k.Sd1, sd2 = k.Sd2, sdMax = Math.Max(sd1, sd2);
        if (!(sdMax > 0))
        {
            (double h0, double hd0, double e0) = h.At(0);
            return new CrossMemberMoments(h0 * h0, hd0 * hd0, 2 * e0 * (Math.Abs(h0) + Math.Abs(hd0)));
        }
        // h turns over where |v z| ~ 1 for |v| up to |mu| + 9 s; r <= 11.
        double vMax = Math.Abs(v.Mu) + 9 * v.S;
        OuterGrid grid = CrossGrid(Math.Min(TurnOver(sdMax * vMax), -3)); // the weight's bulk reaches down to r = 0.05
        double theta = k.Theta;
        double tableError = 0;
        (Triple value, Triple error) = Polar(grid, 1 / (sdMax * vMax), Centers(theta), (node, w) =>
        {
            double r = grid.Exp[node], q = grid.Weights[node].A;
            (double h1, double hd1, double e1) = h.At(r * sd1 * Math.Cos(w));
            (double h2, double hd2, double e2) = h.At(r * sd2 * Math.Cos(w - theta));
            tableError = Math.Max(tableError, Math.Max(e1, e2));
            return new Triple(q * h1 * h2, q * hd1 * hd2, q * (Math.Abs(h1) + Math.Abs(h2) + Math.Abs(hd1) + Math.Abs(hd2)));
        });
        // A table error e in h and h' moves E[h h'] by at most e E(|h| + |h'|) (and likewise for h_d).
        return new CrossMemberMoments(value.A, value.B,
            Math.Max(error.A, error.B) + tableError * value.C);
    }

    // The four angles in [0, 2 pi) where c1 = sd1 cos w or c2 = sd2 cos(w - theta) vanishes.
    private static double[] Centers(double theta) =>
        [Math.PI / 2, 3 * Math.PI / 2, Wrap(theta + Math.PI / 2), Wrap(theta + 3 * Math.PI / 2)];

    private static double Wrap(double w) => w - 2 * Math.PI * Math.Floor(w / (2 * Math.PI));

    // -log of the largest |c| (where phi(e^t c) first turns over), rounded down so that grids are shared between pairs.
    private static int TurnOver(double scale) => (int)Math.Floor(-Math.Log(scale));

    /// <summary>The outer rule's panels, nodes (t, e^t) and the weights at the nodes (with each node's relative weight error).</summary>
    private sealed record OuterGrid(double[] Lo, double[] Hi, double[] T, double[] Exp, Triple[] Weights, double[] WeightError);

    // Panel ends: half-unit panels from turn - 1 (or the end) up to the end, longer panels below down to TailLength under it.
    private static List<double> OuterPoints(double turn, double end)
    {
        double top = Math.Min(turn, end);
        var points = new List<double>();
        for (double t = end; t > top - 1; t -= 0.5)
        {
            points.Add(t);
        }
        double last = points[^1];
        foreach (double step in TailSteps)
        {
            last = Math.Max(last - step, top - TailLength);
            points.Add(last);
            if (last <= top - TailLength)
            {
                break;
            }
        }
        points.Reverse();
        return points;
    }

    private static OuterGrid BuildGrid(List<double> points, Func<double, (Triple Weight, double Error)> weight)
    {
        int panels = points.Count - 1;
        var lo = new double[panels];
        var hi = new double[panels];
        var t = new double[15 * panels];
        var exp = new double[15 * panels];
        var weights = new Triple[15 * panels];
        var error = new double[15 * panels];
        for (int p = 0; p < panels; p++)
        {
            lo[p] = points[p];
            hi[p] = points[p + 1];
            double half = 0.5 * (hi[p] - lo[p]), mid = 0.5 * (hi[p] + lo[p]);
            for (int j = 0; j < 15; j++)
            {
                int node = 15 * p + j;
                t[node] = mid + half * Rule15[j].X;
                exp[node] = Math.Exp(t[node]);
                (weights[node], error[node]) = weight(t[node]);
            }
        }
        return new OuterGrid(lo, hi, t, exp, weights, error);
    }

    // The weights of t = log s, s = |v| r, with a = |v| of folded density F(a) = (phi((a - mu)/sd) + phi((a + mu)/sd))/sd:
    // P0 = E_a[q(t - log a)] and Pr = E_a[(s/a)^2 q(t - log a)], q(b) = e^(2b) e^(-e^(2b)/2) the density of log r, in
    // x = s/a: s sqrt(pi/2) E_x[F(s/|x|) (1, x^2)] over x ~ N(0, 1), bounded integrands that turn over where s/|x| crosses
    // the law's bulk; P2 = E_v[v^2 q(t - log|v|)] = s^2 E_v[exp(-s^2/(2 v^2))], bounded and flat at v = 0.
    private static OuterGrid SameGrid(GaussLaw v, int turn, int end) => BuildGrid(OuterPoints(turn, 0.5 * end), t =>
    {
        double s = Math.Exp(t), mu = Math.Abs(v.Mu), sd = v.S;
        double Folded(double a) => (Math.Exp(-0.5 * Sq((a - mu) / sd)) + Math.Exp(-0.5 * Sq((a + mu) / sd))) / (sd * Math.Sqrt(2 * Math.PI));
        var xBreaks = new List<double> { 0 };
        foreach (double a in new[] { mu + sd, mu + 3 * sd, mu + 6 * sd, mu + 9 * sd, mu - sd, mu - 3 * sd })
        {
            if (a > 0)
            {
                xBreaks.Add(s / a);
                xBreaks.Add(-s / a);
            }
        }
        (Triple x, double ex) = GaussianExpectation.Integrate(u =>
        {
            double f = u == 0 ? 0 : Folded(s / Math.Abs(u));
            return new Triple(f, f * u * u, 0);
        }, 0, 1, 1e-15, [.. xBreaks]);
        double factor = s * Math.Sqrt(Math.PI / 2);
        (Triple w2, double e2) = GaussianExpectation.Integrate(a => new Triple(a == 0 ? 0 : Math.Exp(-0.5 * Sq(s / a)), 0, 0),
            v.Mu, v.S, 1e-15, [0, s / 4, -s / 4, s / 2, -s / 2, s, -s, 2 * s, -2 * s]);
        var w = new Triple(factor * x.A, s * s * w2.A, factor * x.B);
        double relative = Math.Max(ex / Math.Max(Math.Max(x.A, x.B), 1e-300), e2 / Math.Max(w2.A, 1e-300));
        return (w, relative);
    });

    private static double Sq(double x) => x * x;

    // The weight of t = log r, the density of log r: r^2 e^(-r^2/2) (in every component).
    private static OuterGrid CrossGrid(int turn) => BuildGrid(OuterPoints(turn, 2.5), t =>
    {
        double r2 = Math.Exp(2 * t), q = r2 * Math.Exp(-0.5 * r2);
        return (new Triple(q, q, q), 0);
    });

    // Outer rule over the grid's t panels, inner rule over w on [0, 2 pi) graded around the centers down to
    // widthScale e^-t; f(node, w) includes the outer weight. Returns the value and the error estimate (the rules' own
    // plus each node's weight error times its E|f|).
    private static (Triple Value, Triple Error) Polar(OuterGrid grid, double widthScale, double[] centers, Func<int, double, Triple> f)
    {
        Triple value = default, error = default;
        var points = new List<double>(256);
        Span<Triple> ys = stackalloc Triple[15];
        for (int p = 0; p < grid.Lo.Length; p++)
        {
            double half = 0.5 * (grid.Hi[p] - grid.Lo[p]);
            Triple kronrod = default, gauss = default;
            for (int j = 0; j < 15; j++)
            {
                int node = 15 * p + j;
                (Triple iv, Triple ie, Triple ia) = Angular(points, widthScale / grid.Exp[node], centers, node, f);
                Triple y = half * iv;
                ys[j] = y;
                kronrod += Rule15[j].K * y;
                gauss += Rule15[j].G * y;
                error += (Rule15[j].K * half) * (ie + grid.WeightError[node] * ia);
            }
            value += kronrod;
            error += GaussianExpectation.PanelError(kronrod, gauss, ys);
        }
        return (value, error);
    }

    // (1/2 pi) integral over w of f(node, w), graded around the centers down to `width`.
    private static (Triple Value, Triple Error, Triple Abs) Angular(List<double> points, double width, double[] centers, int node, Func<int, double, Triple> f)
    {
        points.Clear();
        for (int q = 0; q <= 8; q++)
        {
            points.Add(q * Math.PI / 4);
        }
        foreach (double c in centers)
        {
            points.Add(c);
            for (double w = width / 2; w < Math.PI / 4; w *= 2)
            {
                points.Add(Wrap(c + w));
                points.Add(Wrap(c - w));
            }
        }
        points.Sort();
        Triple value = default, error = default, abs = default;
        Span<Triple> ys = stackalloc Triple[15];
        for (int i = 1; i < points.Count; i++)
        {
            double lo = points[i - 1], hi = points[i];
            if (hi - lo <= 1e-14)
            {
                continue;
            }
            double half = 0.5 * (hi - lo), mid = 0.5 * (hi + lo), scale = half / (2 * Math.PI);
            Triple kronrod = default, gauss = default;
            for (int j = 0; j < 15; j++)
            {
                Triple y = scale * f(node, mid + half * Rule15[j].X);
                ys[j] = y;
                kronrod += Rule15[j].K * y;
                gauss += Rule15[j].G * y;
                abs += Rule15[j].K * y.Abs();
            }
            value += kronrod;
            error += GaussianExpectation.PanelError(kronrod, gauss, ys);
        }
        return (value, error, abs);
    }
}
