using EmbeddedEnsembles.Kernels;

namespace EmbeddedEnsembles.Model;

// The kernel rule of each modulation law: how to take an expectation over it. Moments (U1, U2, V2, Vp, Vm, Pnz)
// live in Model/ModulationLaw.cs; the atoms here serve activations without a closed form in the law.
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

// Kernel rule of gauss(mu, s): Gauss-Hermite nodes mu + s g_k.
public sealed partial record GaussLaw
{
    /// <inheritdoc />
    public override IReadOnlyList<LawAtom> KernelAtoms(int order)
    {
        GaussHermite rule = GaussHermite.Get(order);
        var atoms = new LawAtom[rule.Order];
        for (int k = 0; k < rule.Order; k++)
        {
            atoms[k] = new LawAtom(Mu + S * rule.Nodes[k], rule.Weights[k]);
        }
        return atoms;
    }
}
