using EmbeddedEnsembles.Descriptions;

namespace EmbeddedEnsembles.Kernels;

/// <summary>
/// The generic kernel rule of an activation without a closed form. A Gaussian-pair expectation is computed as an
/// iterated integral: z ~ N(0, k11) outside, z' | z ~ N((k12/k11) z, k22 - k12^2/k11) inside (exact at rho = +-1,
/// where the inner law is a point). Each one-dimensional integral uses Gauss-Hermite with
/// <see cref="KernelQuadrature.PairOrder"/> nodes when the activation varies slowly on the scale of the Gaussian,
/// and a composite Gauss-Legendre rule refined around 0 when it does not (large variance or large |v|: phi(v z)
/// changes over |z| ~ 1/|v|). The expectation over the law of v uses <see cref="ModulationLaw.KernelAtoms"/>
/// (exact atoms for discrete laws, a rule in v for Gaussian laws). <see cref="Activation"/>'s default kernel methods
/// call these; activations with closed forms override them, and the tests compare the two.
/// </summary>
public static class QuadratureKernelRule
{
    /// <summary>E[phi(a z) phi(b z')], E[a b phi'(a z) phi'(b z')], E[phi'(a z) phi'(b z') z z'] by quadrature.</summary>
    public static ScaledPairMoments Pair(Activation activation, double a, double b, PairCovariance k, int order)
    {
        ArgumentNullException.ThrowIfNull(activation);
        (double pp, double dd, double zz) = Integrate(k, order, Math.Abs(a), Math.Abs(b),
            z => (activation.KernelValue(a * z), activation.KernelDerivative(a * z)),
            z => (activation.KernelValue(b * z), activation.KernelDerivative(b * z)));
        return new ScaledPairMoments(pp, a * b * dd, zz);
    }

    /// <summary>Same-member moments (one v for both inputs): the pair rule for every atom of v, weighted.</summary>
    public static SameMemberMoments SameMember(Activation activation, ModulationLaw v, PairCovariance k, KernelQuadrature q)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(q);
        double pp = 0, dd = 0, zz = 0;
        foreach (LawAtom atom in v.KernelAtoms(q.LawOrder))
        {
            if (atom.Weight == 0)
            {
                continue;
            }
            double a = atom.Value;
            (double p, double d, double z) = Integrate(k, q.PairOrder, Math.Abs(a), Math.Abs(a),
                t => (activation.KernelValue(a * t), activation.KernelDerivative(a * t)),
                t => (activation.KernelValue(a * t), activation.KernelDerivative(a * t)));
            pp += atom.Weight * p;
            dd += atom.Weight * a * a * d;
            zz += atom.Weight * z;
        }
        return new SameMemberMoments(pp, dd, zz);
    }

    /// <summary>
    /// Cross-member moments (independent v, v'): with h(z) = E_v phi(v z) and h_d(z) = E_v v phi'(v z), the moments are
    /// E[h(z) h(z')] and E[h_d(z) h_d(z')]; the rule resolves the sharpest atom (largest |v| with weight above 1e-14).
    /// </summary>
    public static CrossMemberMoments CrossMember(Activation activation, ModulationLaw v, PairCovariance k, KernelQuadrature q)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(q);
        IReadOnlyList<LawAtom> atoms = v.KernelAtoms(q.LawOrder);
        double scale = atoms.Where(t => t.Weight > 1e-14).Select(t => Math.Abs(t.Value)).DefaultIfEmpty(0).Max();
        (double H, double Hd) Averaged(double z)
        {
            double h = 0, hd = 0;
            foreach (LawAtom atom in atoms)
            {
                h += atom.Weight * activation.KernelValue(atom.Value * z);
                hd += atom.Weight * atom.Value * activation.KernelDerivative(atom.Value * z);
            }
            return (h, hd);
        }
        (double pp, double dd, _) = Integrate(k, q.PairOrder, scale, scale, Averaged, Averaged);
        return new CrossMemberMoments(pp, dd);
    }

    // E[f1(z) f2(z')], E[g1(z) g2(z')], E[g1(z) g2(z') z z'] where (f, g) = outer(z) and inner(z'), each varying
    // sharply over |z| ~ 1/scale around 0.
    private static (double Pp, double Dd, double Zz) Integrate(PairCovariance k, int order, double outerScale, double innerScale,
        Func<double, (double F, double G)> outer, Func<double, (double F, double G)> inner)
    {
        double sd1 = k.Sd1, sd2 = k.Sd2;
        double k12 = k.Rho * sd1 * sd2; // the clipped covariance
        double beta = sd1 > 0 ? k12 / (sd1 * sd1) : 0;
        double condSd = Math.Sqrt(Math.Max(sd2 * sd2 - beta * k12, 0));
        if (!(sd1 > 0))
        {
            condSd = sd2;
        }
        double innerWidth = innerScale > 0 ? 1 / innerScale : double.PositiveInfinity;
        double outerWidth = Math.Min(outerScale > 0 ? 1 / outerScale : double.PositiveInfinity,
            beta != 0 ? (innerWidth + condSd) / Math.Abs(beta) : double.PositiveInfinity);
        var outerNodes = new List<double>(200);
        var outerWeights = new List<double>(200);
        var innerNodes = new List<double>(200);
        var innerWeights = new List<double>(200);
        GaussianRule.Build(0, sd1, outerWidth, order, outerNodes, outerWeights);
        double pp = 0, dd = 0, zz = 0;
        for (int i = 0; i < outerNodes.Count; i++)
        {
            double z = outerNodes[i];
            (double f1, double g1) = outer(z);
            GaussianRule.Build(beta * z, condSd, innerWidth, order, innerNodes, innerWeights);
            double ip = 0, id = 0, iz = 0;
            for (int j = 0; j < innerNodes.Count; j++)
            {
                double z2 = innerNodes[j], w2 = innerWeights[j];
                (double f2, double g2) = inner(z2);
                ip += w2 * f2;
                id += w2 * g2;
                iz += w2 * g2 * z2;
            }
            double w1 = outerWeights[i];
            pp += w1 * f1 * ip;
            dd += w1 * g1 * id;
            zz += w1 * g1 * z * iz;
        }
        return (pp, dd, zz);
    }
}
