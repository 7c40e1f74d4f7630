using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Numerics;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The generic kernel rule of an activation without a closed form. A Gaussian-pair expectation is computed as an
/// iterated integral: z ~ N(0, k11) outside, z' | z ~ N(rho sd2/sd1 z, k22 sin^2 theta) inside (exact at rho = +-1,
/// where the inner law is a point). Each one-dimensional integral is adaptive Gauss-Kronrod
/// (<see cref="GaussianExpectation"/>) to the relative tolerance of <see cref="KernelQuadrature"/>, with break points
/// where the integrand changes fast: t = 0 and +-w, +-4w, +-16w for the transition width w of phi(v t) (1/|v|), so
/// the refinement scales with the pre-activation spread. The expectation over a discrete law of v is exact over its
/// atoms (<see cref="ModulationLaw.Expect"/>). Under a Gaussian law of v, nesting a third adaptive integral took
/// seconds per pair, so those moments go to <see cref="GaussLawKernelRule"/> (fixed rules with their own error
/// estimate; the tolerance does not apply there). <see cref="Activation"/>'s default kernel methods call these;
/// activations with closed forms override them, and the tests compare the two.
/// </summary>
public static class QuadratureKernelRule
{
    /// <summary>E[phi(a z) phi(b z')], E[a b phi'(a z) phi'(b z')], E[phi'(a z) phi'(b z') z z'] by quadrature.</summary>
    public static ScaledPairMoments Pair(Activation activation, double a, double b, PairCovariance k, KernelQuadrature q)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(q);
        (Triple m, _) = Integrate(k, q.Tolerance, Math.Abs(a), Math.Abs(b),
            z => (activation.KernelValue(a * z), activation.KernelDerivative(a * z)),
            z => (activation.KernelValue(b * z), activation.KernelDerivative(b * z)));
        return new ScaledPairMoments(m.A, a * b * m.B, m.C);
    }

    /// <summary>Same-member moments (one v for both inputs): the pair rule averaged over the law of v.</summary>
    public static SameMemberMoments SameMember(Activation activation, ModulationLaw v, PairCovariance k, KernelQuadrature q)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(q);
        if (v is GaussLaw gauss)
        {
            return GaussLawKernelRule.SameMember(activation, gauss, k);
        }
        double inner = q.Tolerance / NestedFactor;
        double innerError = 0; // the largest inner estimate, relative to its integral's magnitude
        (Triple m, double error) = v.Expect(a =>
        {
            (Triple p, double e) = Integrate(k, inner, Math.Abs(a), Math.Abs(a),
                t => (activation.KernelValue(a * t), activation.KernelDerivative(a * t)),
                t => (activation.KernelValue(a * t), activation.KernelDerivative(a * t)));
            innerError = Math.Max(innerError, Math.Max(1, a * a) * e);
            return new Triple(p.A, a * a * p.B, p.C);
        }, q.Tolerance, [], inner);
        // The law's estimate plus a bound on the inner ones' average and the tolerance times the moments (what the
        // rules may leave: the estimates stop at it, and the law's rule took the inner tolerance as noise).
        return new SameMemberMoments(m.A, m.B, m.C, error + innerError + q.Tolerance * m.Abs().Max() + ValueError(activation, v, k));
    }

    /// <summary>
    /// Cross-member moments (independent v, v'): with h(z) = E_v phi(v z) and h_d(z) = E_v v phi'(v z), the moments are
    /// E[h(z) h(z')] and E[h_d(z) h_d(z')]; the break points in z follow the law's typical |v| = sqrt(V2).
    /// </summary>
    public static CrossMemberMoments CrossMember(Activation activation, ModulationLaw v, PairCovariance k, KernelQuadrature q)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(q);
        if (v is GaussLaw gauss)
        {
            return GaussLawKernelRule.CrossMember(activation, gauss, k);
        }
        double scale = Math.Sqrt(v.SecondMoment);
        (double H, double Hd) Averaged(double z)
        {
            (Triple h, _) = v.Expect(a => new Triple(activation.KernelValue(a * z), a * activation.KernelDerivative(a * z), 0),
                q.Tolerance / (NestedFactor * NestedFactor), []);
            return (h.A, h.B);
        }
        double noise = q.Tolerance / (NestedFactor * NestedFactor);
        (Triple m, double error) = Integrate(k, q.Tolerance, scale, scale, Averaged, Averaged, noise);
        // Each h carries the law rule's relative tolerance, and E[h h] twice that; the outer rule stops at its tolerance.
        return new CrossMemberMoments(m.A, m.B, error + (q.Tolerance + 2 * noise) * m.Abs().Max() + ValueError(activation, v, k));
    }

    // The moments' error from approximate phi and phi' (|delta phi(x)| <= delta |x|, |delta phi'| <= delta, |phi'| <= 1.13
    // for GELU): at most 2.3 delta E[v^2 + 1] max(1, sqrt(K11 K22)).
    private static double ValueError(Activation activation, ModulationLaw v, PairCovariance k) =>
        activation.KernelValueError * 2.3 * (v.SecondMoment + 1) * Math.Max(1, k.Scale);

    // An integral inside another runs at the outer tolerance / 8, and the outer one treats that as the noise of its values.
    private const double NestedFactor = 8;

    /// <summary>Break points in v for a pair: 0 and +-w, +-4w, +-16w with w = 1/max(sd1, sd2), where phi(v z) turns over.</summary>
    public static double[] LawBreaks(PairCovariance k)
    {
        double sd = Math.Max(k.Sd1, k.Sd2);
        return Breaks(sd > 0 ? 1 / sd : double.PositiveInfinity);
    }

    // 0 and +-w, +-4w, +-16w (just 0 for an infinite width).
    internal static double[] Breaks(double width) => double.IsFinite(width)
        ? [0, width, -width, 4 * width, -4 * width, 16 * width, -16 * width]
        : [0];

    // E[f1(z) f2(z')], E[g1(z) g2(z')], E[g1(z) g2(z') z z'] where (f, g) = outer(z) and inner(z'), each varying
    // sharply over |z| ~ 1/scale around 0.
    private static (Triple Value, double Error) Integrate(PairCovariance k, double tolerance, double outerScale, double innerScale,
        Func<double, (double F, double G)> outer, Func<double, (double F, double G)> inner, double noise = 0)
    {
        double innerTolerance = tolerance / NestedFactor;
        double sd1 = k.Sd1, sd2 = k.Sd2;
        double beta = sd1 > 0 ? k.Rho * sd2 / sd1 : 0;
        double condSd = sd1 > 0 ? sd2 * k.SinTheta : sd2;
        double innerWidth = innerScale > 0 ? 1 / innerScale : double.PositiveInfinity;
        // The inner expectation changes fastest where its mean beta z crosses the inner transition.
        double outerWidth = Math.Min(outerScale > 0 ? 1 / outerScale : double.PositiveInfinity,
            beta != 0 ? (Math.Min(innerWidth, 1e300) + condSd) / Math.Abs(beta) : double.PositiveInfinity);
        double[] innerBreaks = Breaks(innerWidth), outerBreaks = Breaks(outerWidth);
        double innerError = 0;
        (Triple value, double error) = GaussianExpectation.Integrate(z =>
        {
            (double f1, double g1) = outer(z);
            (Triple i, double e) = GaussianExpectation.Integrate(z2 =>
            {
                (double f2, double g2) = inner(z2);
                return new Triple(f2, g2, g2 * z2);
            }, beta * z, condSd, innerTolerance, innerBreaks, noise);
            innerError = Math.Max(innerError, TailWeight(z, sd1) * e * Math.Max(Math.Abs(f1), Math.Abs(g1) * Math.Max(1, Math.Abs(z))));
            return new Triple(f1 * i.A, g1 * i.B, g1 * z * i.C);
        }, 0, sd1, tolerance, outerBreaks, innerTolerance + noise);
        // The outer estimate plus a bound on the inner ones' average.
        return (value, error + innerError);
    }

    /// <summary>
    /// sqrt(2) exp(-t^2/(4 sd^2)): E e(t) over t ~ N(0, sd^2) is at most the largest e(t) times this (the N(0, 2 sd^2)
    /// density dominates N(0, sd^2) by sqrt(2) exp(-t^2/(4 sd^2))), so a nested rule's far-tail estimates, which
    /// carry almost no weight, do not set the bound.
    /// </summary>
    internal static double TailWeight(double t, double sd) => sd > 0 ? Math.Sqrt(2) * Math.Exp(-t * t / (4 * sd * sd)) : 1;

    /// <summary><see cref="TailWeight(double, double)"/> for the law of v (1 for discrete laws: the largest atom's value bounds their average).</summary>
    internal static double TailWeight(ModulationLaw v, double a) => v is GaussLaw g ? TailWeight(a - g.Mu, g.S) : 1;
}
