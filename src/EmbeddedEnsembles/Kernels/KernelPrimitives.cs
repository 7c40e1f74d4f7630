namespace EmbeddedEnsembles.Kernels;

/// <summary>One atom of a (discretized) law: a value and its probability.</summary>
/// <param name="Value">The value.</param>
/// <param name="Weight">Its probability (the atoms of one law sum to 1).</param>
public readonly record struct LawAtom(double Value, double Weight);

/// <summary>
/// The covariance of a centered Gaussian pair (z, z'): variances <paramref name="K11"/>, <paramref name="K22"/> and
/// covariance <paramref name="K12"/>. Tiny negative variances from rounding are treated as 0 and the correlation is
/// clipped to [-1, 1].
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

    /// <summary>The correlation K12 / sqrt(K11 K22), clipped to [-1, 1]; 0 when a variance is 0.</summary>
    public double Rho
    {
        get
        {
            double d = Sd1 * Sd2;
            return d > 0 ? Math.Clamp(K12 / d, -1, 1) : 0;
        }
    }

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
public readonly record struct SameMemberMoments(double PhiPhi, double DerivDeriv, double DerivDerivZZ);

/// <summary>Cross-member layer moments: independent v, v' (THEORY.md section 2), before the factor U1^2.</summary>
/// <param name="PhiPhi">E_{v,v'} E[phi(v z) phi(v' z')] (C_c = U1^2 * this).</param>
/// <param name="DerivDeriv">E_{v,v'} E[v v' phi'(v z) phi'(v' z')] (D_c = U1^2 * this).</param>
public readonly record struct CrossMemberMoments(double PhiPhi, double DerivDeriv);

/// <summary>
/// Quadrature settings of the analytic kernels for activations without a closed form (tanh, GELU) and for Gaussian
/// modulation laws. Each one-dimensional Gaussian integral uses Gauss-Hermite with <paramref name="PairOrder"/> nodes
/// when the integrand is smooth on the scale of the Gaussian, and otherwise a composite Gauss-Legendre rule refined
/// around the activation's transition (large pre-activation variance or large |v|; see <see cref="QuadratureKernelRule"/>).
/// Gaussian laws with mass near v = 0 use a composite rule in v; <paramref name="LawOrder"/> is the Gauss-Hermite order
/// for those without (|mu| &gt; 7 s). Discrete laws use their exact atoms. Checked against erf's closed form (to about
/// 1e-6 absolute) and against brute Monte Carlo of the moments (within 3 standard errors of 2e-4).
/// </summary>
/// <param name="PairOrder">Gauss-Hermite nodes per axis when the integrand is smooth (1..200).</param>
/// <param name="LawOrder">Gauss-Hermite nodes over a Gaussian law without mass near 0 (1..200).</param>
public sealed record KernelQuadrature(int PairOrder = 48, int LawOrder = 24)
{
    /// <summary>The default settings.</summary>
    public static KernelQuadrature Default { get; } = new();
}
