using EmbeddedEnsembles.Kernels;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Descriptions;

// erf's kernel rule in closed form for fixed modulations (a, b), averaged over the atoms of the law of v.
public sealed partial class ErfActivation
{
    /// <inheritdoc />
    public override string KernelRule => "closed form (arcsine)";

    /// <summary>
    /// Closed forms for erf with fixed scales a, b. With A = 1 + 2 a^2 k11, B = 1 + 2 b^2 k22 and
    /// D = A B - 4 a^2 b^2 k12^2 = det(I + diag(2a^2, 2b^2) K):
    /// E[erf(az) erf(bz')] = 2/pi asin(2 a b k12 / sqrt(A B));
    /// E[a b erf'(az) erf'(bz')] = a b (4/pi) E[exp(-a^2 z^2 - b^2 z'^2)] = a b 4/(pi sqrt(D));
    /// E[erf'(az) erf'(bz') z z'] = (4/pi) k12 / D^(3/2) (the Gaussian integral of z z' exp(-z^T diag(a^2, b^2) z)
    /// is det(I + 2 diag K)^(-1/2) [K (I + 2 diag K)^(-1)]_12 = k12 / D^(3/2)).
    /// </summary>
    public static ScaledPairMoments ClosedForm(double a, double b, PairCovariance k)
    {
        double k11 = Math.Max(k.K11, 0), k22 = Math.Max(k.K22, 0);
        double k12 = k.Rho * Math.Sqrt(k11 * k22); // the clipped covariance
        double ca = 1 + 2 * a * a * k11, cb = 1 + 2 * b * b * k22;
        double arg = Math.Clamp(2 * a * b * k12 / Math.Sqrt(ca * cb), -1, 1);
        double d = Math.Max(ca * cb - 4 * a * a * b * b * k12 * k12, 1e-300);
        double pp = 2 / Math.PI * Math.Asin(arg);
        double dd = a * b * 4 / (Math.PI * Math.Sqrt(d));
        double zz = 4 / Math.PI * k12 / (d * Math.Sqrt(d));
        return new ScaledPairMoments(pp, dd, zz);
    }

    /// <summary>The closed form averaged over the atoms of v (exact for discrete laws, Gauss-Hermite for Gaussian ones).</summary>
    public override SameMemberMoments SameMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(quadrature);
        double pp = 0, dd = 0, zz = 0;
        foreach (LawAtom atom in v.KernelAtoms(quadrature.LawOrder))
        {
            ScaledPairMoments m = ClosedForm(atom.Value, atom.Value, k);
            pp += atom.Weight * m.PhiPhi;
            dd += atom.Weight * m.DerivDeriv;
            zz += atom.Weight * m.DerivDerivZZ;
        }
        return new SameMemberMoments(pp, dd, zz);
    }

    /// <summary>The closed form averaged over independent atoms of v and v'.</summary>
    public override CrossMemberMoments CrossMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(quadrature);
        IReadOnlyList<LawAtom> atoms = v.KernelAtoms(quadrature.LawOrder);
        double pp = 0, dd = 0;
        foreach (LawAtom x in atoms)
        {
            foreach (LawAtom y in atoms)
            {
                ScaledPairMoments m = ClosedForm(x.Value, y.Value, k);
                pp += x.Weight * y.Weight * m.PhiPhi;
                dd += x.Weight * y.Weight * m.DerivDeriv;
            }
        }
        return new CrossMemberMoments(pp, dd);
    }

    /// <summary>2/sqrt(pi) exp(-z^2).</summary>
    public override Tensor DerivativeTensor(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        return z.square().neg().exp().mul(2 / Math.Sqrt(Math.PI)).MoveToOuterDisposeScope();
    }
}
