using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Runtime;
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
    /// Computed without cancellation: D = 1 + 2 a^2 k11 + 2 b^2 k22 + 4 a^2 b^2 det K with det K from error-free products,
    /// and asin(x) = atan2(x sqrt(A B), sqrt(D)) (1 - x^2 = D/(A B)), which keeps its digits as x nears 1.
    /// </summary>
    public static ScaledPairMoments ClosedForm(double a, double b, PairCovariance k)
    {
        double k11 = Math.Max(k.K11, 0), k22 = Math.Max(k.K22, 0);
        double scale = k.Scale;
        double k12 = k.Rho * scale; // the clipped covariance
        double a2 = a * a, b2 = b * b;
        double d = 1 + 2 * a2 * k11 + 2 * b2 * k22 + 4 * a2 * b2 * k.Determinant;
        double sqrtD = Math.Sqrt(d);
        double pp = 2 / Math.PI * Math.Atan2(2 * a * b * k12, sqrtD);
        double dd = a * b * 4 / (Math.PI * sqrtD);
        double zz = 4 / Math.PI * k12 / (d * sqrtD);
        return new ScaledPairMoments(pp, dd, zz);
    }

    /// <summary>The closed form averaged over the law of v (exact for discrete laws, adaptive quadrature for Gaussian ones).</summary>
    public override SameMemberMoments SameMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(quadrature);
        double[] breaks = QuadratureKernelRule.LawBreaks(k);
        (Triple m, double error) = v.Expect(a =>
        {
            ScaledPairMoments c = ClosedForm(a, a, k);
            return new Triple(c.PhiPhi, c.DerivDeriv, c.DerivDerivZZ);
        }, quadrature.Tolerance, breaks);
        return new SameMemberMoments(m.A, m.B, m.C, error);
    }

    /// <summary>The closed form averaged over independent v and v'.</summary>
    public override CrossMemberMoments CrossMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(quadrature);
        double[] breaks = QuadratureKernelRule.LawBreaks(k);
        double inner = quadrature.Tolerance / 8; // the inner integral's error is the outer one's noise
        double innerError = 0;
        (Triple m, double error) = v.Expect(a =>
        {
            (Triple value, double e) = v.Expect(b =>
            {
                ScaledPairMoments c = ClosedForm(a, b, k);
                return new Triple(c.PhiPhi, c.DerivDeriv, 0);
            }, inner, breaks);
            innerError = Math.Max(innerError, QuadratureKernelRule.TailWeight(v, a) * e);
            return value;
        }, quadrature.Tolerance, breaks, inner);
        return new CrossMemberMoments(m.A, m.B, error + innerError);
    }

    /// <summary>2/sqrt(pi) exp(-z^2).</summary>
    public override Tensor DerivativeTensor(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        return z.Squared().neg().exp().MulBy(2 / Math.Sqrt(Math.PI)).MoveToOuterDisposeScope();
    }
}
