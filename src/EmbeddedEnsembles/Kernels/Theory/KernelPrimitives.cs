using EmbeddedEnsembles.Numerics;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>One atom of a (discretized) law: a value and its probability.</summary>
/// <param name="Value">The value.</param>
/// <param name="Weight">Its probability (the atoms of one law sum to 1).</param>
public readonly record struct LawAtom(double Value, double Weight);

/// <summary>
/// The covariance of a centered Gaussian pair (z, z'): variances <paramref name="K11"/>, <paramref name="K22"/> and
/// covariance <paramref name="K12"/>. Tiny negative variances from rounding are treated as 0 and the correlation is
/// clipped to [-1, 1]. The angle is computed in forms that keep their digits: a pair with K12 = K11 = K22 (a kernel's
/// diagonal) has rho = 1 exactly, and sin theta and theta come from the Gram determinant K11 K22 - K12^2 computed
/// with error-free products (1 - rho^2 and arccos rho lose half the digits near rho = +-1).
/// </summary>
/// <param name="K11">Var z.</param>
/// <param name="K22">Var z'.</param>
/// <param name="K12">Cov(z, z').</param>
public readonly record struct PairCovariance(double K11, double K22, double K12)
{
    /// <summary>sqrt(max(K11, 0)).</summary>
    public double Sd1 => Math.Sqrt(Math.Max(K11, 0));
    /// <summary>sqrt(max(K22, 0)).</summary>
    public double Sd2 => Math.Sqrt(Math.Max(K22, 0));

    /// <summary>sqrt(K11 K22) (exactly K11 on the diagonal: the square root of a rounded square is exact).</summary>
    public double Scale
    {
        get
        {
            double product = Math.Max(K11, 0) * Math.Max(K22, 0);
            return double.IsFinite(product) && product > 0 ? Math.Sqrt(product) : Sd1 * Sd2;
        }
    }

    /// <summary>The correlation K12 / sqrt(K11 K22), clipped to [-1, 1]; exactly +-1 for a diagonal pair (or its flip); 0 when a variance is 0.</summary>
    public double Rho
    {
        get
        {
            if (K11 == K22 && K11 > 0 && Math.Abs(K12) == K11)
            {
                return Math.Sign(K12);
            }
            double d = Scale;
            return d > 0 ? Math.Clamp(K12 / d, -1, 1) : 0;
        }
    }

    /// <summary>
    /// The Gram determinant K11 K22 - K12^2 &gt;= 0, from error-free products (fused multiply-add): accurate to the last
    /// digits of the K's however close |rho| is to 1 (exactly 0 on the diagonal).
    /// </summary>
    public double Determinant
    {
        get
        {
            double p = K11 * K22, q = K12 * K12;
            double det = (p - q) + (Math.FusedMultiplyAdd(K11, K22, -p) - Math.FusedMultiplyAdd(K12, K12, -q));
            return double.IsFinite(det) ? Math.Max(det, 0) : Math.Max(p - q, 0);
        }
    }

    /// <summary>sin theta = sqrt(det K)/sqrt(K11 K22) in [0, 1] (0 when a variance is 0).</summary>
    public double SinTheta
    {
        get
        {
            double scale = Scale;
            return scale > 0 ? Math.Min(Math.Sqrt(Determinant) / scale, 1) : 0;
        }
    }

    /// <summary>theta = arccos(rho) in [0, pi], as atan2(sqrt(det K), K12) (pi/2 when a variance is 0).</summary>
    public double Theta => Scale > 0 ? Math.Atan2(Math.Sqrt(Determinant), Math.Clamp(K12, -Scale, Scale)) : Math.PI / 2;

    /// <summary>The pair (z, -z'): covariance negated.</summary>
    public PairCovariance Flip() => this with { K12 = -K12 };
}

/// <summary>Gaussian-pair moments for fixed modulations a (first input) and b (second input).</summary>
/// <param name="PhiPhi">E[phi(a z) phi(b z')].</param>
/// <param name="DerivDeriv">E[a b phi'(a z) phi'(b z')].</param>
/// <param name="DerivDerivZZ">E[phi'(a z) phi'(b z') z z'].</param>
public readonly record struct ScaledPairMoments(double PhiPhi, double DerivDeriv, double DerivDerivZZ);

/// <summary>Same-member layer moments: one v for both inputs (THEORY.md section 2), before the factors U2.</summary>
/// <param name="PhiPhi">E_v E[phi(v z) phi(v z')] (= A_u; C_s = U2 * this).</param>
/// <param name="DerivDeriv">E_v E[v^2 phi'(v z) phi'(v z')] (D_s = U2 * this).</param>
/// <param name="DerivDerivZZ">E_v E[phi'(v z) phi'(v z') z z'] (A_v = U2 * this).</param>
/// <param name="Error">Estimated absolute error of the quadrature, the largest over the three (0 for closed forms).</param>
public readonly record struct SameMemberMoments(double PhiPhi, double DerivDeriv, double DerivDerivZZ, double Error = 0);

/// <summary>Cross-member layer moments: independent v, v' (THEORY.md section 2), before the factor U1^2.</summary>
/// <param name="PhiPhi">E_{v,v'} E[phi(v z) phi(v' z')] (C_c = U1^2 * this).</param>
/// <param name="DerivDeriv">E_{v,v'} E[v v' phi'(v z) phi'(v' z')] (D_c = U1^2 * this).</param>
/// <param name="Error">Estimated absolute error of the quadrature, the larger of the two (0 for closed forms).</param>
public readonly record struct CrossMemberMoments(double PhiPhi, double DerivDeriv, double Error = 0);

/// <summary>
/// One input's bounds on how fast the derivative moments move with the covariance of a pair (Price's theorem and
/// Cauchy-Schwarz): |d/dK12 E_v E[v^2 phi'(vz) phi'(vz')]| &lt;= sqrt(R_i R_j) and
/// |d/dK12 E_v E[phi'(vz) phi'(vz') z z']| &lt;= sqrt(W_i W_j), the same R for the cross-member E[h_d h_d] (Jensen).
/// </summary>
/// <param name="R">E_v E[v^4 phi''(vz)^2] over z ~ N(0, K_ii).</param>
/// <param name="W">E_v E[(phi'(vz) + v z phi''(vz))^2] over z ~ N(0, K_ii).</param>
public readonly record struct InputSensitivity(double R, double W);

/// <summary>
/// Accuracy of the analytic kernels for activations without a closed form (tanh, GELU) and for Gaussian modulation
/// laws: every one-dimensional Gaussian expectation is adaptive Gauss-Kronrod (<see cref="GaussianExpectation"/>)
/// refined until its estimated error is at most <paramref name="Tolerance"/> times E|integrand|. Discrete laws use
/// their exact atoms; ReLU needs no quadrature at all.
/// </summary>
/// <param name="Tolerance">Relative tolerance of each integral (1e-15..1e-3).</param>
public sealed record KernelQuadrature(double Tolerance = 1e-14)
{
    /// <summary>The default settings.</summary>
    public static KernelQuadrature Default { get; } = new();

    /// <summary>Throws a clear <see cref="ArgumentException"/> on a tolerance outside 1e-15..1e-3.</summary>
    public KernelQuadrature Validate() => Tolerance is >= 1e-15 and <= 1e-3
        ? this
        : throw new ArgumentException($"quadrature tolerance must lie in [1e-15, 1e-3], got {Tolerance}");
}
