using EmbeddedEnsembles.Numerics;

namespace EmbeddedEnsembles.Descriptions;

// The kernel rule of each modulation law: how to take an expectation over it. Moments (U1, U2, V2, Vp, Vm, Pnz)
// live in Descriptions/ModulationLaw.cs; the atoms here serve activations without a closed form in the law.
public abstract partial record ModulationLaw
{
    /// <summary>
    /// E g(V) for V of this law, with its estimated absolute error: exact sums over the atoms of discrete laws, adaptive
    /// Gauss-Kronrod for continuous ones (<see cref="GaussianExpectation"/>, refined at <paramref name="breaks"/>).
    /// </summary>
    /// <param name="g">The integrand.</param>
    /// <param name="tolerance">Relative tolerance of a continuous law's integral.</param>
    /// <param name="breaks">Values of v where g changes fast (ignored by discrete laws).</param>
    /// <param name="noise">Relative error of g's values (the tolerance of an integral inside g; 0 otherwise).</param>
    public virtual (Triple Value, double Error) Expect(Func<double, Triple> g, double tolerance, ReadOnlySpan<double> breaks, double noise = 0) =>
        throw new NotSupportedException($"the modulation law {this} has no kernel rule (override Expect in a partial class under Kernels/Theory/)");
}

// Kernel rule of sign(c): atoms +c and -c, probability 1/2 each.
public sealed partial record SignLaw
{
    /// <inheritdoc />
    public override (Triple Value, double Error) Expect(Func<double, Triple> g, double tolerance, ReadOnlySpan<double> breaks, double noise = 0)
    {
        ArgumentNullException.ThrowIfNull(g);
        return (0.5 * g(C) + 0.5 * g(-C), 0);
    }
}

// Kernel rule of const(c): one atom.
public sealed partial record ConstLaw
{
    /// <inheritdoc />
    public override (Triple Value, double Error) Expect(Func<double, Triple> g, double tolerance, ReadOnlySpan<double> breaks, double noise = 0)
    {
        ArgumentNullException.ThrowIfNull(g);
        return (g(C), 0);
    }
}

// Kernel rule of bernoulli(p)/p: atoms 1/p (probability p) and 0 (probability 1 - p).
public sealed partial record BernoulliLaw
{
    /// <inheritdoc />
    public override (Triple Value, double Error) Expect(Func<double, Triple> g, double tolerance, ReadOnlySpan<double> breaks, double noise = 0)
    {
        ArgumentNullException.ThrowIfNull(g);
        return (P >= 1 ? g(1) : P * g(1 / P) + (1 - P) * g(0), 0);
    }
}

// Kernel rule of gauss(mu, s). Expectations over v are smooth in v except near v = 0, where phi'(v z) z z' and
// similar integrands peak over |v| ~ 1/sqrt(Var z): the callers put break points there, scaled with the
// pre-activation spread, and the adaptive rule refines until its error estimate meets the tolerance.
public sealed partial record GaussLaw
{
    /// <inheritdoc />
    public override (Triple Value, double Error) Expect(Func<double, Triple> g, double tolerance, ReadOnlySpan<double> breaks, double noise = 0) =>
        GaussianExpectation.Integrate(g, Mu, S, tolerance, breaks, noise);
}
