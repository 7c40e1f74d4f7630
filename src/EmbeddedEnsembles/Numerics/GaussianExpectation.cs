namespace EmbeddedEnsembles.Numerics;

/// <summary>Three values integrated together (the three moments of a kernel rule share their nodes).</summary>
/// <param name="A">First value.</param>
/// <param name="B">Second value.</param>
/// <param name="C">Third value.</param>
public readonly record struct Triple(double A, double B, double C)
{
    /// <summary>Componentwise sum.</summary>
    public static Triple operator +(Triple x, Triple y) => new(x.A + y.A, x.B + y.B, x.C + y.C);
    /// <summary>Componentwise difference.</summary>
    public static Triple operator -(Triple x, Triple y) => new(x.A - y.A, x.B - y.B, x.C - y.C);
    /// <summary>Scaled by w.</summary>
    public static Triple operator *(double w, Triple x) => new(w * x.A, w * x.B, w * x.C);
    /// <summary>Componentwise absolute value.</summary>
    public Triple Abs() => new(Math.Abs(A), Math.Abs(B), Math.Abs(C));
    /// <summary>The largest component.</summary>
    public double Max() => Math.Max(A, Math.Max(B, C));
}

/// <summary>
/// E f(t) for t ~ N(mean, sd^2) by adaptive Gauss-Kronrod (7-point Gauss, 15-point Kronrod) on mean +- 9 sd (the
/// mass beyond, 2e-19, is dropped), in the standardized variable (t - mean)/sd: panels at mean + 3k sd and at the caller's break points (where f changes fast,
/// e.g. t = 0 for an activation phi(a t) and +-1/|a| around it), then the panel with the largest error estimate is halved
/// until, for every component, the sum of those estimates is at most <c>tolerance</c> times E|f| (times 1e-6 of the
/// largest component's E|f| for a component smaller than that), or every panel's
/// estimate is at the rounding level (1e-15 of its E|f|, plus the noise of a nested integrand), or 100 panels. The
/// Kronrod-Gauss difference bounds the error of the 7-point rule; a panel's error estimate for the 15-point result
/// that is returned is QUADPACK's scaling of it (<see cref="KronrodError"/>), which is still conservative for smooth
/// integrands (the tests compare against closed forms and a double-double reference).
/// </summary>
public static class GaussianExpectation
{
    private const double Range = 9;
    private const int MaxPanels = 100;
    // The 15-point Kronrod nodes on [-1, 1] (the positive half and 0).
    private static readonly double[] KronrodNodes =
    [
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
        0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0,
    ];
    private static readonly double[] KronrodWeights =
    [
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
        0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
    ];
    // Gauss weights of the Kronrod nodes 1, 3, 5 and 7 (the embedded 7-point rule).
    private static readonly double[] GaussWeights =
    [
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975,
        0.417959183673469387755102040816327,
    ];

    /// <summary>
    /// E f(t), t ~ N(<paramref name="mean"/>, <paramref name="sd"/>^2), with its estimated absolute error (componentwise
    /// maximum). <paramref name="sd"/> = 0 gives f(mean) exactly.
    /// </summary>
    /// <param name="f">The integrand.</param>
    /// <param name="mean">Mean of t.</param>
    /// <param name="sd">Standard deviation of t.</param>
    /// <param name="tolerance">Relative tolerance (against E|f|, componentwise).</param>
    /// <param name="breaks">Points where f changes fast.</param>
    /// <param name="noise">Relative error of f's own values (a nested integral's tolerance; 0 for direct evaluations):
    /// panels whose estimate is at that level are not halved further.</param>
    public static (Triple Value, double Error) Integrate(Func<double, Triple> f, double mean, double sd, double tolerance,
        ReadOnlySpan<double> breaks, double noise = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (!(sd > 0))
        {
            return (f(mean), 0);
        }
        // Panels live in the standardized variable u = (t - mean)/sd, t = mean + sd u: the rule's nodes and weights are
        // then exact however small sd is against mean (nodes placed in t would carry rounding of ulp(mean)/sd in u).
        var points = new List<double>(16 + breaks.Length) { -Range, Range };
        for (int k = -2; k <= 2; k++)
        {
            points.Add(3 * k);
        }
        foreach (double b in breaks)
        {
            double u = (b - mean) / sd;
            if (u > -Range && u < Range)
            {
                points.Add(u);
            }
        }
        points.Sort();
        // A tolerance below the rounding level of the values (or of a nested integral's error) cannot be met:
        // asking for it only refines the tails.
        double target = Math.Max(tolerance, RoundingLevel + 4 * noise);
        var panels = new List<Panel>(64);
        for (int p = 1; p < points.Count; p++)
        {
            if (points[p] - points[p - 1] > 1e-13)
            {
                panels.Add(Evaluate(f, points[p - 1], points[p], mean, sd));
            }
        }
        while (true)
        {
            Triple sumAbs = default, error = default;
            foreach (Panel panel in panels)
            {
                sumAbs += panel.AbsValue;
                error += panel.Error;
            }
            // A component below 1e-6 of the largest is held to the tolerance of that share, not of itself: otherwise
            // a vanishing component (phi'(t) far in a tail) takes every refinement and starves the others.
            double floor = ComponentFloor * sumAbs.Max();
            Triple scale = new(Scale(Math.Max(sumAbs.A, floor), target), Scale(Math.Max(sumAbs.B, floor), target), Scale(Math.Max(sumAbs.C, floor), target));
            double excess = Math.Max(error.A * scale.A, Math.Max(error.B * scale.B, error.C * scale.C));
            if (excess <= 1 || panels.Count >= MaxPanels)
            {
                Triple value = default;
                foreach (Panel panel in panels)
                {
                    value += panel.Value;
                }
                return (value, error.Max());
            }
            int worst = -1;
            double worstExcess = 0;
            for (int p = 0; p < panels.Count; p++)
            {
                Panel panel = panels[p];
                if (AtRoundingLevel(panel, RoundingLevel + 4 * noise))
                {
                    continue;
                }
                Triple e = panel.Error;
                double x = Math.Max(e.A * scale.A, Math.Max(e.B * scale.B, e.C * scale.C));
                if (x > worstExcess)
                {
                    worst = p;
                    worstExcess = x;
                }
            }
            if (worst < 0)
            {
                // Every panel is at the rounding level of its values (or of a nested integral's error): halving
                // cannot help, and the tolerance asked for more than float64 holds.
                Triple value = default;
                foreach (Panel panel in panels)
                {
                    value += panel.Value;
                }
                return (value, error.Max());
            }
            Panel split = panels[worst];
            double mid = 0.5 * (split.Lo + split.Hi);
            panels[worst] = Evaluate(f, split.Lo, mid, mean, sd);
            panels.Add(Evaluate(f, mid, split.Hi, mean, sd));
        }
    }

    // |K15 - G7| within 1e-15 of the panel's E|f| in every component: rounding (or a nested integral's own error), not truncation.
    private static bool AtRoundingLevel(Panel panel, double level) =>
        panel.Error.A <= level * panel.AbsValue.A && panel.Error.B <= level * panel.AbsValue.B
        && panel.Error.C <= level * panel.AbsValue.C;

    private const double RoundingLevel = 1e-15;
    private const double ComponentFloor = 1e-6;
    private static readonly double InverseSqrt2Pi = 1 / Math.Sqrt(2 * Math.PI);

    // 1 / (tolerance E|f|): errors are measured in units of the allowed error; a component that is 0 everywhere allows any.
    private static double Scale(double absIntegral, double tolerance) => absIntegral > 0 ? 1 / (tolerance * absIntegral) : 0;

    private readonly record struct Panel(double Lo, double Hi, Triple Value, Triple AbsValue, Triple Error);

    private static Panel Evaluate(Func<double, Triple> f, double lo, double hi, double mean, double sd)
    {
        double half = 0.5 * (hi - lo), mid = 0.5 * (hi + lo);
        Triple kronrod = default, gauss = default, abs = default;
        Span<Triple> ys = stackalloc Triple[Rule15.Length];
        for (int j = 0; j < Rule15.Length; j++)
        {
            (double x, double k, double g) = Rule15[j];
            double u = mid + half * x;
            Triple y = (half * InverseSqrt2Pi * Math.Exp(-0.5 * u * u)) * f(mean + sd * u);
            ys[j] = y;
            kronrod += k * y;
            abs += k * y.Abs();
            if (g != 0)
            {
                gauss += g * y;
            }
        }
        return new Panel(lo, hi, kronrod, abs, PanelError(kronrod, gauss, ys));
    }

    /// <summary>
    /// The 15-point Gauss-Kronrod rule on [-1, 1], node by node in the order a panel sums them: (x, its Kronrod weight,
    /// its weight in the embedded 7-point Gauss rule or 0).
    /// </summary>
    internal static readonly (double X, double K, double G)[] Rule15 = BuildRule15();

    private static (double, double, double)[] BuildRule15()
    {
        var rule = new List<(double, double, double)>(15);
        for (int i = 0; i < KronrodNodes.Length; i++)
        {
            double x = KronrodNodes[i], g = i % 2 == 1 ? GaussWeights[i / 2] : 0;
            rule.Add((x, KronrodWeights[i], g));
            if (x != 0)
            {
                rule.Add((-x, KronrodWeights[i], g));
            }
        }
        return [.. rule];
    }

    /// <summary>
    /// A panel's error estimate from its weighted values <paramref name="ys"/> (in <see cref="Rule15"/>'s order) and
    /// their Kronrod and Gauss sums: QUADPACK's scaling of |K15 - G7| with the spread of the values about their mean.
    /// </summary>
    internal static Triple PanelError(Triple kronrod, Triple gauss, ReadOnlySpan<Triple> ys)
    {
        // Spread of the integrand about its panel mean (QUADPACK's resasc), for the error scaling below.
        Triple average = 0.5 * kronrod, spread = default;
        for (int j = 0; j < Rule15.Length; j++)
        {
            spread += Rule15[j].K * (ys[j] - average).Abs();
        }
        Triple difference = (kronrod - gauss).Abs();
        return new Triple(KronrodError(difference.A, spread.A), KronrodError(difference.B, spread.B), KronrodError(difference.C, spread.C));
    }

    // QUADPACK's (qk15) estimate of the 15-point result's error from |K15 - G7|: spread * min(1, (200 |K15 - G7| / spread)^1.5).
    // |K15 - G7| is the error of the 7-point rule; the 15-point rule converges much faster, and this scaling (used by
    // QUADPACK since 1983) models that while staying conservative for smooth integrands.
    private static double KronrodError(double difference, double spread) =>
        spread > 0 && difference > 0 ? spread * Math.Min(1, Math.Pow(200 * difference / spread, 1.5)) : difference;
}
