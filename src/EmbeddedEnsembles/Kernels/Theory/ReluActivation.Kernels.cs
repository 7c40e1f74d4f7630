using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Descriptions;

// ReLU's kernel rule in closed form (THEORY.md "ReLU in closed form"). Positive homogeneity,
// phi(v z) = v+ phi(z) + v- phi(-z) and v phi'(v z) = v+ 1{z>0} - v- 1{z<0}, turns every expectation over the law
// of v into the moments V2, Vp, Vm, Pnz: exact for every law, Gaussian ones included.
public sealed partial class ReluActivation
{
    /// <inheritdoc />
    public override string KernelRule => "closed form (arc-cosine)";

    /// <summary>
    /// J1 = E[relu(z) relu(z')] = sqrt(k11 k22)/(2 pi) (sin theta + (pi - theta) cos theta), theta = arccos(rho)
    /// (in the digit-keeping forms of <see cref="PairCovariance"/>: exact on the diagonal, where J1 = k11/2).
    /// </summary>
    public static double J1(PairCovariance k)
    {
        double rho = k.Rho;
        return k.Scale / (2 * Math.PI) * (k.SinTheta + (Math.PI - k.Theta) * rho);
    }

    /// <summary>
    /// J0 = E[1{z>0} 1{z'>0}] = (pi - theta)/(2 pi) (exactly 1/2 on the diagonal, 0 at rho = -1). A degenerate pair (a variance exactly 0, so z = 0 and
    /// phi'(0) = 0 as in <see cref="Derivative"/>) gives 0.
    /// </summary>
    public static double J0(PairCovariance k)
    {
        if (!(k.Sd1 > 0 && k.Sd2 > 0))
        {
            return 0;
        }
        return (Math.PI - k.Theta) / (2 * Math.PI);
    }

    /// <summary>V2 J1(k12), V2 J0(k12), Pnz J1(k12).</summary>
    public override SameMemberMoments SameMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature)
    {
        ArgumentNullException.ThrowIfNull(v);
        double j1 = J1(k);
        return new SameMemberMoments(v.SecondMoment * j1, v.SecondMoment * J0(k), v.NonzeroProbability * j1);
    }

    /// <summary>
    /// (Vp^2 + Vm^2) J1(k12) + 2 Vp Vm J1(-k12) and (Vp^2 + Vm^2) J0(k12) - 2 Vp Vm J0(-k12): the sign-flip terms
    /// carry a law's negative mass.
    /// </summary>
    public override CrossMemberMoments CrossMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature)
    {
        ArgumentNullException.ThrowIfNull(v);
        double vp = v.PositiveMean, vm = v.NegativeMean;
        double same = vp * vp + vm * vm, flip = 2 * vp * vm;
        PairCovariance f = k.Flip();
        double pp = same * J1(k) + (flip != 0 ? flip * J1(f) : 0);
        double dd = same * J0(k) - (flip != 0 ? flip * J0(f) : 0);
        return new CrossMemberMoments(pp, dd);
    }

    /// <summary>ReLU's slopes come in closed form (<see cref="RhoErrors"/>): no per-input integrals.</summary>
    public override InputSensitivity InputSensitivity(ModulationLaw v, double variance) => default;

    /// <summary>
    /// From the closed forms: J0 = (pi - theta)/(2 pi) moves by delta theta/(2 pi), with delta theta at most
    /// min(delta rho/sin theta, sqrt(2 delta rho)) (arccos is only 1/2-Hoelder at rho = +-1: this is where nearly
    /// parallel pairs lose digits), and dJ1/drho = sqrt(K11 K22) J0 &lt;= sqrt(K11 K22)/2.
    /// </summary>
    public override (double DerivDeriv, double DerivDerivZZ, double CrossDerivDeriv) RhoErrors(ModulationLaw v, PairCovariance k,
        PairCovariance kCross, InputSensitivity first, InputSensitivity second, double deltaRho, double deltaRhoCross)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (deltaRho == 0 && deltaRhoCross == 0)
        {
            return (0, 0, 0);
        }
        double vp = v.PositiveMean, vm = v.NegativeMean;
        double crossWeight = vp * vp + vm * vm + 2 * vp * vm;
        return (v.SecondMoment * AngleChange(k, deltaRho) / (2 * Math.PI),
            v.NonzeroProbability * k.Scale * 0.5 * deltaRho,
            crossWeight * AngleChange(kCross, deltaRhoCross) / (2 * Math.PI));
    }

    // A first-order bound on |delta theta| for a change delta rho of the correlation.
    private static double AngleChange(PairCovariance k, double deltaRho)
    {
        if (!(deltaRho > 0))
        {
            return 0;
        }
        double sin = k.SinTheta, root = Math.Sqrt(2 * deltaRho);
        return sin > 0 ? Math.Min(deltaRho / sin, root) : root;
    }

    /// <summary>1{z &gt; 0}, matching <see cref="Derivative"/> (0 at 0).</summary>
    public override Tensor DerivativeTensor(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        using Scalar zero = 0.ToScalar();
        return z.gt(zero).to_type(z.dtype).MoveToOuterDisposeScope();
    }
}
