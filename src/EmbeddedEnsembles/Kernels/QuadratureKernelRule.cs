using EmbeddedEnsembles.Model;

namespace EmbeddedEnsembles.Kernels;

/// <summary>
/// The generic kernel rule of an activation without a closed form: a 2-D Gauss-Hermite product rule over the
/// Gaussian pair, written as z = s1 g1, z' = s2 (rho g1 + sqrt(1 - rho^2) g2) with g1, g2 iid N(0, 1) (smooth in
/// g1, g2 even at rho = +-1), and an expectation over the law of v from <see cref="ModulationLaw.KernelAtoms"/>
/// (exact atoms for discrete laws, Gauss-Hermite for Gaussian laws). <see cref="Activation"/>'s default kernel
/// methods call these; activations with closed forms override them, and the tests compare the two.
/// </summary>
public static class QuadratureKernelRule
{
    /// <summary>E[phi(a z) phi(b z')], E[a b phi'(a z) phi'(b z')], E[phi'(a z) phi'(b z') z z'] by the pair rule.</summary>
    public static ScaledPairMoments Pair(Activation activation, double a, double b, PairCovariance k, int order)
    {
        ArgumentNullException.ThrowIfNull(activation);
        GaussHermite rule = GaussHermite.Get(order);
        (double s1, double s2, double rho, double rc) = Factor(k);
        double pp = 0, dd = 0, zz = 0;
        for (int i = 0; i < rule.Order; i++)
        {
            double g1 = rule.Nodes[i], w1 = rule.Weights[i];
            double z1 = s1 * g1;
            double f1 = activation.Value(a * z1), d1 = activation.Derivative(a * z1);
            double ip = 0, id = 0, iz = 0;
            for (int j = 0; j < rule.Order; j++)
            {
                double w2 = rule.Weights[j];
                double z2 = s2 * (rho * g1 + rc * rule.Nodes[j]);
                double d2 = activation.Derivative(b * z2);
                ip += w2 * activation.Value(b * z2);
                id += w2 * d2;
                iz += w2 * d2 * z2;
            }
            pp += w1 * f1 * ip;
            dd += w1 * d1 * id;
            zz += w1 * d1 * z1 * iz;
        }
        return new ScaledPairMoments(pp, a * b * dd, zz);
    }

    /// <summary>Same-member moments (one v for both inputs) by quadrature over the pair and the law of v.</summary>
    public static SameMemberMoments SameMember(Activation activation, ModulationLaw v, PairCovariance k, KernelQuadrature q)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(q);
        IReadOnlyList<LawAtom> atoms = v.KernelAtoms(q.LawOrder);
        GaussHermite rule = GaussHermite.Get(q.PairOrder);
        (double s1, double s2, double rho, double rc) = Factor(k);
        int na = atoms.Count;
        var f1 = new double[na];
        var d1 = new double[na];
        double pp = 0, dd = 0, zz = 0;
        for (int i = 0; i < rule.Order; i++)
        {
            double g1 = rule.Nodes[i], w1 = rule.Weights[i];
            double z1 = s1 * g1;
            for (int m = 0; m < na; m++)
            {
                f1[m] = activation.Value(atoms[m].Value * z1);
                d1[m] = activation.Derivative(atoms[m].Value * z1);
            }
            double ip = 0, id = 0, iz = 0;
            for (int j = 0; j < rule.Order; j++)
            {
                double w2 = rule.Weights[j];
                double z2 = s2 * (rho * g1 + rc * rule.Nodes[j]);
                double sp = 0, sd = 0, sz = 0;
                for (int m = 0; m < na; m++)
                {
                    double vm = atoms[m].Value, wm = atoms[m].Weight;
                    double dd2 = d1[m] * activation.Derivative(vm * z2);
                    sp += wm * f1[m] * activation.Value(vm * z2);
                    sd += wm * vm * vm * dd2;
                    sz += wm * dd2;
                }
                ip += w2 * sp;
                id += w2 * sd;
                iz += w2 * sz * z2;
            }
            pp += w1 * ip;
            dd += w1 * id;
            zz += w1 * z1 * iz;
        }
        return new SameMemberMoments(pp, dd, zz);
    }

    /// <summary>
    /// Cross-member moments (independent v, v'): with h(z) = E_v phi(v z) and h_d(z) = E_v v phi'(v z), the moments are
    /// E[h(z) h(z')] and E[h_d(z) h_d(z')], a 2-D rule whose integrands cost one pass over the atoms per node.
    /// </summary>
    public static CrossMemberMoments CrossMember(Activation activation, ModulationLaw v, PairCovariance k, KernelQuadrature q)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(q);
        IReadOnlyList<LawAtom> atoms = v.KernelAtoms(q.LawOrder);
        GaussHermite rule = GaussHermite.Get(q.PairOrder);
        (double s1, double s2, double rho, double rc) = Factor(k);
        double pp = 0, dd = 0;
        for (int i = 0; i < rule.Order; i++)
        {
            double g1 = rule.Nodes[i], w1 = rule.Weights[i];
            (double h1, double hd1) = Averaged(activation, atoms, s1 * g1);
            double ip = 0, id = 0;
            for (int j = 0; j < rule.Order; j++)
            {
                (double h2, double hd2) = Averaged(activation, atoms, s2 * (rho * g1 + rc * rule.Nodes[j]));
                ip += rule.Weights[j] * h2;
                id += rule.Weights[j] * hd2;
            }
            pp += w1 * h1 * ip;
            dd += w1 * hd1 * id;
        }
        return new CrossMemberMoments(pp, dd);
    }

    private static (double H, double Hd) Averaged(Activation activation, IReadOnlyList<LawAtom> atoms, double z)
    {
        double h = 0, hd = 0;
        foreach (LawAtom atom in atoms)
        {
            h += atom.Weight * activation.Value(atom.Value * z);
            hd += atom.Weight * atom.Value * activation.Derivative(atom.Value * z);
        }
        return (h, hd);
    }

    private static (double S1, double S2, double Rho, double Rc) Factor(PairCovariance k)
    {
        double rho = k.Rho;
        return (k.Sd1, k.Sd2, rho, Math.Sqrt(Math.Max(1 - rho * rho, 0)));
    }
}
