using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Numerics;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The kernels of one layer's pre-activations z^l (or of the output f) over n inputs, n x n each: the NNGP
/// K_s^l = E[z_a z_a'] and K_c^l = E[z_a z_b'] (a != b), and the shared-weight NTK Theta^{com,l}, same and cross.
/// This is the state that <see cref="AnalyticKernels.Compute"/> folds through the layers.
/// </summary>
/// <param name="KSame">K_s: same member.</param>
/// <param name="KCross">K_c: two different members.</param>
/// <param name="ThetaSame">Theta^com_s: gradients in the shared weights, same member.</param>
/// <param name="ThetaCross">Theta^com_c: gradients in the shared weights, two different members.</param>
public sealed record PreactivationKernels(double[,] KSame, double[,] KCross, double[,] ThetaSame, double[,] ThetaCross)
{
    /// <summary>Estimated absolute error of every entry (see <see cref="KernelErrors"/> for the rule); null inside an error record.</summary>
    public PreactivationKernels? Errors { get; init; }
}

/// <summary>
/// The per-layer terms of the member part Theta^ind (THEORY.md section 2), same-member covariances throughout.
/// </summary>
/// <param name="DSame">D_s^l = U2 E_v E[v^2 phi'(vz) phi'(vz')].</param>
/// <param name="AU">A_u^l = E_v E[phi(vz) phi(vz')] (the gradient in u).</param>
/// <param name="AV">A_v^l = U2 E_v E[phi'(vz) phi'(vz') z z'] (the gradient in v).</param>
public sealed record MemberLayerTerms(double[,] DSame, double[,] AU, double[,] AV)
{
    /// <summary>Estimated absolute error of every entry; null inside an error record.</summary>
    public MemberLayerTerms? Errors { get; init; }
}

/// <summary>
/// The moments of one modulated hidden layer x^l = u (*) phi(v (*) z^l) at its pre-activation kernels, the factors
/// U2 and U1^2 included: C_s = U2 E_v E[phi(vz) phi(vz')], C_c = U1^2 E_{v,v'} E[phi(vz) phi(v'z')],
/// D_c = U1^2 E_{v,v'} E[v v' phi'(vz) phi'(v'z')], and D_s, A_u, A_v in <see cref="Member"/>. (z, z') has the
/// same-member diagonal as variances and K_s or K_c as covariance; the cross terms are 0 when U1 = 0.
/// </summary>
/// <param name="CSame">C_s^l.</param>
/// <param name="CCross">C_c^l.</param>
/// <param name="DCross">D_c^l.</param>
/// <param name="Member">D_s^l, A_u^l and A_v^l.</param>
public sealed record LayerMoments(double[,] CSame, double[,] CCross, double[,] DCross, MemberLayerTerms Member)
{
    /// <summary>Estimated absolute error of every entry (its Member is Member.Errors); null inside an error record.</summary>
    public LayerMoments? Errors { get; init; }
}

/// <summary>The first layer: shared input and shared weights, so same = cross.</summary>
public static class InputLayerKernel
{
    /// <summary>K^1 = sigma_w^2 x.x'/N_0 + sigma_b^2 and Theta^{com,1} = K^1, same and cross alike, for inputs x (n x N_0).</summary>
    public static PreactivationKernels Apply(double[,] x, double sigmaW2, double sigmaB2)
    {
        int n = x.GetLength(0), inputDim = x.GetLength(1);
        var k1 = new double[n, n];
        var e1 = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                double dot = 0, abs = 0;
                for (int d = 0; d < inputDim; d++)
                {
                    dot += x[i, d] * x[j, d];
                    abs += Math.Abs(x[i, d] * x[j, d]);
                }
                k1[i, j] = k1[j, i] = sigmaW2 * dot / inputDim + sigmaB2;
                // Rounding of the sum (N_0 + 3 operations, each at most half an ulp of the magnitudes).
                e1[i, j] = e1[j, i] = (inputDim + 3) * KernelErrors.Epsilon * (sigmaW2 * abs / inputDim + sigmaB2);
            }
        }
        var errors = new PreactivationKernels(e1, (double[,])e1.Clone(), (double[,])e1.Clone(), (double[,])e1.Clone());
        return new PreactivationKernels(k1, (double[,])k1.Clone(), (double[,])k1.Clone(), (double[,])k1.Clone()) { Errors = errors };
    }
}

/// <summary>
/// A modulated hidden layer followed by the next shared dense layer (THEORY.md section 2): the activation supplies
/// its moments (<see cref="Activation.SameMemberMoments"/>, <see cref="Activation.CrossMemberMoments"/>), the laws
/// supply U1 = E u, U2 = E u^2 and the law of v.
/// </summary>
/// <param name="Phi">The activation.</param>
/// <param name="VLaw">The law of v.</param>
/// <param name="U1">E u (0: no cross terms).</param>
/// <param name="U2">E u^2.</param>
/// <param name="SigmaW2">sigma_w^2.</param>
/// <param name="SigmaB2">sigma_b^2.</param>
/// <param name="Quadrature">Accuracy of the moments without closed forms.</param>
public sealed record ModulatedLayerKernel(
    Activation Phi, ModulationLaw VLaw, double U1, double U2, double SigmaW2, double SigmaB2, KernelQuadrature Quadrature)
{
    /// <summary>
    /// The hidden layers of <paramref name="spec"/>. Independent members are separate networks: u = v = 1 and they
    /// share nothing, so U1 = 0 (no cross terms at all).
    /// </summary>
    public static ModulatedLayerKernel Of(MlpSpec spec, KernelQuadrature quadrature)
    {
        bool independent = spec.Family == EnsembleFamily.Independent;
        ModulationLaw uLaw = independent ? new ConstLaw(1) : spec.ULaw;
        ModulationLaw vLaw = independent ? new ConstLaw(1) : spec.VLaw;
        return new ModulatedLayerKernel(spec.Activation, vLaw, independent ? 0 : uLaw.Mean, uLaw.SecondMoment,
            spec.SigmaW * spec.SigmaW, spec.SigmaB * spec.SigmaB, quadrature);
    }

    /// <summary>The layer's moments C_s, C_c, D_s, D_c, A_u, A_v at the pre-activation kernels <paramref name="k"/>.</summary>
    public LayerMoments Moments(PreactivationKernels k)
    {
        int n = k.KSame.GetLength(0);
        var cs = new double[n, n];
        var cc = new double[n, n];
        var ds = new double[n, n];
        var dc = new double[n, n];
        var au = new double[n, n];
        var av = new double[n, n];
        PreactivationKernels e = k.Errors ?? throw new ArgumentException("the pre-activation kernels carry no error estimate");
        var ecs = new double[n, n];
        var ecc = new double[n, n];
        var eds = new double[n, n];
        var edc = new double[n, n];
        var eau = new double[n, n];
        var eav = new double[n, n];
        var sensitivity = new InputSensitivity[n];
        var relative = new double[n]; // e(K_ii)/K_ii
        var diagonal = new SameMemberMoments[n];
        // Rounding of the terms a moment sums: 8 u of sqrt(M_ii M_jj) (a near-zero moment, e.g. ReLU's J1 at rho ~ -1,
        // is a difference of terms of that size); cross moments take their same-member diagonal.
        const double round = KernelErrors.MomentRounding;
        var rootC = new double[n];
        var rootD = new double[n];
        var rootV = new double[n];
        for (int i = 0; i < n; i++)
        {
            sensitivity[i] = Phi.InputSensitivity(VLaw, k.KSame[i, i]);
            relative[i] = k.KSame[i, i] > 0 ? e.KSame[i, i] / k.KSame[i, i] : 0;
            diagonal[i] = Phi.SameMemberMoments(VLaw, new PairCovariance(k.KSame[i, i], k.KSame[i, i], k.KSame[i, i]), Quadrature);
            rootC[i] = Math.Sqrt(round * Math.Abs(diagonal[i].PhiPhi));
            rootD[i] = Math.Sqrt(round * Math.Abs(U2 * diagonal[i].DerivDeriv));
            rootV[i] = Math.Sqrt(round * Math.Abs(U2 * diagonal[i].DerivDerivZZ));
        }
        double crossShare = U2 > 0 ? U1 * U1 / U2 : 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                var same = new PairCovariance(k.KSame[i, i], k.KSame[j, j], k.KSame[i, j]);
                SameMemberMoments m = i == j ? diagonal[i] : Phi.SameMemberMoments(VLaw, same, Quadrature);
                cs[i, j] = U2 * m.PhiPhi;
                ds[i, j] = U2 * m.DerivDeriv;
                au[i, j] = m.PhiPhi;
                av[i, j] = U2 * m.DerivDerivZZ;
                double spread = 0.5 * (relative[i] + relative[j]);
                double deltaRho = KernelErrors.CorrelationChange(same, i == j, e.KSame[i, j], spread);
                PairCovariance cross = same with { K12 = k.KCross[i, j] };
                double deltaRhoCross = U1 != 0 ? KernelErrors.CorrelationChange(cross, false, e.KCross[i, j], spread) : 0;
                (double dRho, double avRho, double dcRho) = Phi.RhoErrors(VLaw, same, cross, sensitivity[i], sensitivity[j], deltaRho, deltaRhoCross);
                // First order: the quadrature's estimate, the scale of the variances (|M| per unit relative change, the
                // bound of a degree-1 homogeneous moment), the correlation (dC/dK12 = D by Price's theorem; the
                // activation's slopes for D and A_v) and rounding.
                double roundC = rootC[i] * rootC[j], roundD = rootD[i] * rootD[j];
                double phiPhi = m.Error + Math.Abs(m.PhiPhi) * (spread + round) + Math.Abs(m.DerivDeriv) * same.Scale * deltaRho + roundC;
                ecs[i, j] = U2 * phiPhi;
                eau[i, j] = phiPhi;
                eds[i, j] = U2 * (m.Error + Math.Abs(m.DerivDeriv) * (spread + round) + dRho) + roundD;
                eav[i, j] = U2 * (m.Error + Math.Abs(m.DerivDerivZZ) * (spread + round) + avRho) + rootV[i] * rootV[j];
                if (U1 != 0)
                {
                    CrossMemberMoments c = Phi.CrossMemberMoments(VLaw, cross, Quadrature);
                    cc[i, j] = U1 * U1 * c.PhiPhi;
                    dc[i, j] = U1 * U1 * c.DerivDeriv;
                    ecc[i, j] = U1 * U1 * (c.Error + Math.Abs(c.PhiPhi) * (spread + round) + Math.Abs(c.DerivDeriv) * cross.Scale * deltaRhoCross)
                        + crossShare * U2 * roundC;
                    edc[i, j] = U1 * U1 * (c.Error + Math.Abs(c.DerivDeriv) * (spread + round) + dcRho) + crossShare * roundD;
                }
            }
        }
        // Filled above the diagonal only (row by row); mirrored in cache-sized blocks (the cross terms stay 0 when U1 = 0).
        foreach (double[,] upper in U1 != 0 ? new[] { cs, cc, ds, dc, au, av, ecs, ecc, eds, edc, eau, eav } : new[] { cs, ds, au, av, ecs, eds, eau, eav })
        {
            Mirror(upper);
        }
        var errors = new LayerMoments(ecs, ecc, edc, new MemberLayerTerms(eds, eau, eav));
        return new LayerMoments(cs, cc, dc, new MemberLayerTerms(ds, au, av) { Errors = errors.Member }) { Errors = errors };
    }

    // m[j, i] = m[i, j] for j > i, in 64 x 64 blocks (a column-order write of a large matrix misses the cache on every entry).
    private static void Mirror(double[,] m)
    {
        const int block = 64;
        int n = m.GetLength(0);
        for (int ib = 0; ib < n; ib += block)
        {
            for (int jb = ib; jb < n; jb += block)
            {
                for (int i = ib; i < Math.Min(ib + block, n); i++)
                {
                    for (int j = Math.Max(jb, i + 1); j < Math.Min(jb + block, n); j++)
                    {
                        m[j, i] = m[i, j];
                    }
                }
            }
        }
    }

    /// <summary>
    /// The next layer's pre-activation kernels: K^{l+1} = sigma_w^2 C^l + sigma_b^2 and
    /// Theta^{com,l+1} = K^{l+1} + sigma_w^2 D^l Theta^{com,l}, same and cross.
    /// </summary>
    public PreactivationKernels Next(PreactivationKernels k, LayerMoments m)
    {
        int n = k.KSame.GetLength(0);
        var ks = new double[n, n];
        var kc = new double[n, n];
        var ts = new double[n, n];
        var tc = new double[n, n];
        double[,] cs = m.CSame, cc = m.CCross, ds = m.Member.DSame, dc = m.DCross, thetaS = k.ThetaSame, thetaC = k.ThetaCross;
        double sw2 = SigmaW2, sb2 = SigmaB2;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                ks[i, j] = sw2 * cs[i, j] + sb2;
                kc[i, j] = sw2 * cc[i, j] + sb2;
                ts[i, j] = ks[i, j] + sw2 * ds[i, j] * thetaS[i, j];
                tc[i, j] = kc[i, j] + sw2 * dc[i, j] * thetaC[i, j];
            }
        }
        return new PreactivationKernels(ks, kc, ts, tc) { Errors = KernelErrors.Step(k, m, new PreactivationKernels(ks, kc, ts, tc), SigmaW2, SigmaB2) };
    }
}

/// <summary>The shared readout f = sigma_w/sqrt(N_L) W^{L+1} x^L, without a shared bias (it would couple the members).</summary>
public static class ReadoutKernel
{
    /// <summary>
    /// The output's kernels from the last hidden layer's pre-activation kernels <paramref name="k"/> and moments
    /// <paramref name="m"/>: Sigma = sigma_w^2 C^L and Theta^com = sigma_w^2 C^L + sigma_w^2 D^L Theta^{com,L}, same and cross.
    /// </summary>
    public static PreactivationKernels Apply(PreactivationKernels k, LayerMoments m, double sigmaW2)
    {
        int n = k.KSame.GetLength(0);
        var sigmaS = new double[n, n];
        var sigmaC = new double[n, n];
        var thetaS = new double[n, n];
        var thetaC = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                sigmaS[i, j] = sigmaW2 * m.CSame[i, j];
                sigmaC[i, j] = sigmaW2 * m.CCross[i, j];
                thetaS[i, j] = sigmaW2 * m.CSame[i, j] + sigmaW2 * m.Member.DSame[i, j] * k.ThetaSame[i, j];
                thetaC[i, j] = sigmaW2 * m.CCross[i, j] + sigmaW2 * m.DCross[i, j] * k.ThetaCross[i, j];
            }
        }
        var result = new PreactivationKernels(sigmaS, sigmaC, thetaS, thetaC);
        return result with { Errors = KernelErrors.Step(k, m, result, sigmaW2, 0) };
    }
}

/// <summary>The member part Theta^ind: gradients of f_a in member a's own parameters.</summary>
public static class MemberKernel
{
    /// <summary>
    /// Theta^ind = sum_{l=1..L} G^l (A_u^l + A_v^l), G^L = sigma_w^2, G^{l-1} = G^l sigma_w^2 D_s^l, summed from the
    /// readout back, when the modulations are trained (0 otherwise: MC-dropout masks, independent members without
    /// modulations); a per-member readout bias adds 1 (df_a/dc_a = 1).
    /// </summary>
    /// <param name="layers">The terms of layers 1..L, in order.</param>
    /// <param name="sigmaW2">sigma_w^2.</param>
    /// <param name="modulationsTrained">Whether u and v are trained parameters.</param>
    /// <param name="memberReadoutBias">Whether each member has its own readout bias.</param>
    public static (double[,] Value, double[,] Error) Sum(IReadOnlyList<MemberLayerTerms> layers, double sigmaW2, bool modulationsTrained, bool memberReadoutBias)
    {
        int n = layers[0].DSame.GetLength(0);
        var member = new double[n, n];
        var error = new double[n, n];
        if (modulationsTrained)
        {
            double[,] g = Matrix.Filled(n, n, sigmaW2); // G^L
            var eg = new double[n, n];
            for (int l = layers.Count; l >= 1; l--)
            {
                (double[,] ds, double[,] au, double[,] av) = (layers[l - 1].DSame, layers[l - 1].AU, layers[l - 1].AV);
                MemberLayerTerms e = layers[l - 1].Errors ?? throw new ArgumentException("the member terms carry no error estimate");
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        member[i, j] += g[i, j] * (au[i, j] + av[i, j]);
                        error[i, j] += eg[i, j] * Math.Abs(au[i, j] + av[i, j]) + Math.Abs(g[i, j]) * (e.AU[i, j] + e.AV[i, j])
                            + KernelErrors.StepRounding * Math.Abs(member[i, j]);
                        eg[i, j] = sigmaW2 * (eg[i, j] * Math.Abs(ds[i, j]) + Math.Abs(g[i, j]) * e.DSame[i, j]);
                        g[i, j] *= sigmaW2 * ds[i, j]; // G^{l-1} = G^l sigma_w^2 D_s^l
                    }
                }
            }
        }
        if (memberReadoutBias)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    member[i, j] += 1;
                    error[i, j] += KernelErrors.Epsilon * Math.Abs(member[i, j]);
                }
            }
        }
        return (member, error);
    }
}
