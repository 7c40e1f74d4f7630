using EmbeddedEnsembles.Kernels;

namespace EmbeddedEnsembles.Descriptions;

// The kernel rule of each modulation law: how to take an expectation over it. Moments (U1, U2, V2, Vp, Vm, Pnz)
// live in Descriptions/ModulationLaw.cs; the atoms here serve activations without a closed form in the law.
public abstract partial record ModulationLaw
{
    /// <summary>
    /// A discretization of the law for expectations E g(X) ~ sum_k Weight_k g(Value_k): exact atoms for discrete laws,
    /// a Gauss-Hermite rule with <paramref name="order"/> nodes for continuous ones.
    /// </summary>
    /// <param name="order">Number of nodes for continuous laws (ignored by discrete laws).</param>
    public virtual IReadOnlyList<LawAtom> KernelAtoms(int order) =>
        throw new NotSupportedException($"the modulation law {this} has no kernel rule (override KernelAtoms in a partial class under Kernels/)");
}

// Kernel rule of sign(c): atoms +c and -c, probability 1/2 each.
public sealed partial record SignLaw
{
    /// <inheritdoc />
    public override IReadOnlyList<LawAtom> KernelAtoms(int order) => [new LawAtom(C, 0.5), new LawAtom(-C, 0.5)];
}

// Kernel rule of const(c): one atom.
public sealed partial record ConstLaw
{
    /// <inheritdoc />
    public override IReadOnlyList<LawAtom> KernelAtoms(int order) => [new LawAtom(C, 1)];
}

// Kernel rule of bernoulli(p)/p: atoms 1/p (probability p) and 0 (probability 1 - p).
public sealed partial record BernoulliLaw
{
    /// <inheritdoc />
    public override IReadOnlyList<LawAtom> KernelAtoms(int order) =>
        P >= 1 ? [new LawAtom(1, 1)] : [new LawAtom(1 / P, P), new LawAtom(0, 1 - P)];
}

// Kernel rule of gauss(mu, s). Expectations over v are smooth in v except near v = 0, where phi'(v z) z z' and
// similar integrands peak over |v| ~ 1/sqrt(Var z) (measured: Gauss-Hermite in v misses E[erf'(vz) erf'(vz') z z']
// under gauss(0.5, 1) by 20-40% at Var z = 2.8 to 6.8, and does not converge monotonically). When the law puts mass
// near 0 (|mu| <= 7 s) the rule is a composite Gauss-Legendre rule in v with breakpoints at 0 and +-0.3, +-0.9, ...;
// otherwise Gauss-Hermite with `order` nodes.
public sealed partial record GaussLaw
{
    private static readonly Dictionary<(double, double, int), LawAtom[]> AtomCache = new();
    private static readonly System.Threading.Lock AtomLock = new();

    /// <inheritdoc />
    public override IReadOnlyList<LawAtom> KernelAtoms(int order)
    {
        lock (AtomLock)
        {
            if (AtomCache.TryGetValue((Mu, S, order), out LawAtom[]? cached))
            {
                return cached;
            }
        }
        var nodes = new List<double>();
        var weights = new List<double>();
        if (Math.Abs(Mu) <= 7 * S)
        {
            GaussianRule.Composite(Mu, S, Math.Min(0.3, S), nodes, weights);
        }
        else
        {
            GaussianRule.Build(Mu, S, double.PositiveInfinity, order, nodes, weights);
        }
        LawAtom[] atoms = nodes.Zip(weights, (v, w) => new LawAtom(v, w)).ToArray();
        lock (AtomLock)
        {
            AtomCache[(Mu, S, order)] = atoms;
        }
        return atoms;
    }
}
