using System.Runtime.CompilerServices;
using EmbeddedEnsembles.Descriptions;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The kernels of one layer's pre-activations z^l (or of the output f) at one pair of inputs: the NNGP
/// K_s^l = E[z_a z_a'] and K_c^l = E[z_a z_b'] (a != b), and the shared-weight NTK Theta^{com,l}, same and cross.
/// This is the state that <see cref="AnalyticKernels.Compute"/> folds through the layers, pair by pair: an entry
/// of layer l + 1 needs only the same entry of layer l and the two inputs' own variances (<see cref="InputTerms"/>).
/// The same record holds an entry's estimated absolute errors (see <see cref="KernelErrors"/> for the rule).
/// </summary>
/// <param name="KSame">K_s: same member.</param>
/// <param name="KCross">K_c: two different members.</param>
/// <param name="ThetaSame">Theta^com_s: gradients in the shared weights, same member.</param>
/// <param name="ThetaCross">Theta^com_c: gradients in the shared weights, two different members.</param>
public readonly record struct PreactivationKernels(double KSame, double KCross, double ThetaSame, double ThetaCross);

/// <summary>
/// The per-layer terms of the member part Theta^ind (THEORY.md section 2) at one pair, same-member covariances
/// throughout (or their estimated errors).
/// </summary>
/// <param name="DSame">D_s^l = U2 E_v E[v^2 phi'(vz) phi'(vz')].</param>
/// <param name="AU">A_u^l = E_v E[phi(vz) phi(vz')] (the gradient in u).</param>
/// <param name="AV">A_v^l = U2 E_v E[phi'(vz) phi'(vz') z z'] (the gradient in v).</param>
public readonly record struct MemberLayerTerms(double DSame, double AU, double AV);

/// <summary>
/// The moments of one modulated hidden layer x^l = u (*) phi(v (*) z^l) at one pair's pre-activation kernels, the
/// factors U2 and U1^2 included (or their estimated errors): C_s = U2 E_v E[phi(vz) phi(vz')],
/// C_c = U1^2 E_{v,v'} E[phi(vz) phi(v'z')], D_c = U1^2 E_{v,v'} E[v v' phi'(vz) phi'(v'z')], and D_s, A_u, A_v in
/// <see cref="Member"/>. (z, z') has the inputs' own variances and K_s or K_c as covariance; the cross terms are 0
/// when U1 = 0.
/// </summary>
/// <param name="CSame">C_s^l.</param>
/// <param name="CCross">C_c^l.</param>
/// <param name="DCross">D_c^l.</param>
/// <param name="Member">D_s^l, A_u^l and A_v^l.</param>
public readonly record struct LayerMoments(double CSame, double CCross, double DCross, MemberLayerTerms Member);

/// <summary>
/// What every pair of a layer needs of one input i: its variance K_s(i, i), the relative error of that variance, its
/// sensitivity bounds, its same-member moments at rho = 1 (the diagonal entry) and the square roots of their rounding
/// allowances (a pair's allowance is the product of its two inputs').
/// </summary>
/// <param name="Variance">K_s(i, i).</param>
/// <param name="Relative">e(K_ii)/K_ii (0 for a zero variance).</param>
/// <param name="Sensitivity">The activation's sensitivity bounds at this variance.</param>
/// <param name="Moments">The same-member moments of the pair (i, i).</param>
/// <param name="RootC">sqrt(8 u |E[phi phi]|).</param>
/// <param name="RootD">sqrt(8 u |U2 E[v^2 phi' phi']|).</param>
/// <param name="RootV">sqrt(8 u |U2 E[phi' phi' z z']|).</param>
public readonly record struct InputTerms(double Variance, double Relative, InputSensitivity Sensitivity, SameMemberMoments Moments,
    double RootC, double RootD, double RootV);

/// <summary>The first layer: shared input and shared weights, so same = cross.</summary>
public static class InputLayerKernel
{
    /// <summary>
    /// K^1 = sigma_w^2 x_i.x_j/N_0 + sigma_b^2 and Theta^{com,1} = K^1, same and cross alike, for rows i and j of the
    /// inputs x (n x N_0), with the rounding of the sum as its error.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (PreactivationKernels Value, PreactivationKernels Error) Apply(double[,] x, int i, int j, double sigmaW2, double sigmaB2)
    {
        int inputDim = x.GetLength(1);
        double dot = 0, abs = 0;
        for (int d = 0; d < inputDim; d++)
        {
            dot += x[i, d] * x[j, d];
            abs += Math.Abs(x[i, d] * x[j, d]);
        }
        double k1 = sigmaW2 * dot / inputDim + sigmaB2;
        // Rounding of the sum (N_0 + 3 operations, each at most half an ulp of the magnitudes).
        double e1 = (inputDim + 3) * KernelErrors.Epsilon * (sigmaW2 * abs / inputDim + sigmaB2);
        return (new PreactivationKernels(k1, k1, k1, k1), new PreactivationKernels(e1, e1, e1, e1));
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

    /// <summary>One input's terms at this layer, from its variance K_s(i, i) and that variance's estimated error.</summary>
    public InputTerms Input(double variance, double varianceError)
    {
        // Rounding of the terms a moment sums: 8 u of sqrt(M_ii M_jj) (a near-zero moment, e.g. ReLU's J1 at rho ~ -1,
        // is a difference of terms of that size); cross moments take their same-member diagonal.
        const double round = KernelErrors.MomentRounding;
        SameMemberMoments own = Phi.SameMemberMoments(VLaw, new PairCovariance(variance, variance, variance), Quadrature);
        return new InputTerms(variance, variance > 0 ? varianceError / variance : 0, Phi.InputSensitivity(VLaw, variance), own,
            Math.Sqrt(round * Math.Abs(own.PhiPhi)), Math.Sqrt(round * Math.Abs(U2 * own.DerivDeriv)), Math.Sqrt(round * Math.Abs(U2 * own.DerivDerivZZ)));
    }

    /// <summary>
    /// The layer's moments C_s, C_c, D_s, D_c, A_u, A_v and their errors at one pair's pre-activation kernels
    /// <paramref name="k"/> (errors <paramref name="e"/>) of inputs <paramref name="first"/> and <paramref name="second"/>;
    /// <paramref name="diagonal"/> when the pair is one input with itself (its moments are the input's own).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (LayerMoments Value, LayerMoments Error) Moments(PreactivationKernels k, PreactivationKernels e, in InputTerms first, in InputTerms second, bool diagonal)
    {
        const double round = KernelErrors.MomentRounding;
        var same = new PairCovariance(first.Variance, second.Variance, k.KSame);
        SameMemberMoments m = diagonal ? first.Moments : Phi.SameMemberMoments(VLaw, same, Quadrature);
        double spread = 0.5 * (first.Relative + second.Relative);
        double deltaRho = KernelErrors.CorrelationChange(same, diagonal, e.KSame, spread);
        PairCovariance cross = same with { K12 = k.KCross };
        double deltaRhoCross = U1 != 0 ? KernelErrors.CorrelationChange(cross, false, e.KCross, spread) : 0;
        (double dRho, double avRho, double dcRho) = Phi.RhoErrors(VLaw, same, cross, first.Sensitivity, second.Sensitivity, deltaRho, deltaRhoCross);
        // First order: the quadrature's estimate, the scale of the variances (|M| per unit relative change, the
        // bound of a degree-1 homogeneous moment), the correlation (dC/dK12 = D by Price's theorem; the
        // activation's slopes for D and A_v) and rounding.
        double roundC = first.RootC * second.RootC, roundD = first.RootD * second.RootD;
        double phiPhi = m.Error + Math.Abs(m.PhiPhi) * (spread + round) + Math.Abs(m.DerivDeriv) * same.Scale * deltaRho + roundC;
        var member = new MemberLayerTerms(U2 * m.DerivDeriv, m.PhiPhi, U2 * m.DerivDerivZZ);
        var memberError = new MemberLayerTerms(
            U2 * (m.Error + Math.Abs(m.DerivDeriv) * (spread + round) + dRho) + roundD,
            phiPhi,
            U2 * (m.Error + Math.Abs(m.DerivDerivZZ) * (spread + round) + avRho) + first.RootV * second.RootV);
        double cc = 0, dc = 0, ecc = 0, edc = 0;
        if (U1 != 0)
        {
            double crossShare = U2 > 0 ? U1 * U1 / U2 : 0;
            CrossMemberMoments c = Phi.CrossMemberMoments(VLaw, cross, Quadrature);
            cc = U1 * U1 * c.PhiPhi;
            dc = U1 * U1 * c.DerivDeriv;
            ecc = U1 * U1 * (c.Error + Math.Abs(c.PhiPhi) * (spread + round) + Math.Abs(c.DerivDeriv) * cross.Scale * deltaRhoCross)
                + crossShare * U2 * roundC;
            edc = U1 * U1 * (c.Error + Math.Abs(c.DerivDeriv) * (spread + round) + dcRho) + crossShare * roundD;
        }
        return (new LayerMoments(U2 * m.PhiPhi, cc, dc, member), new LayerMoments(U2 * phiPhi, ecc, edc, memberError));
    }

    /// <summary>
    /// The next layer's pre-activation kernels at one pair, and their errors: K^{l+1} = sigma_w^2 C^l + sigma_b^2 and
    /// Theta^{com,l+1} = K^{l+1} + sigma_w^2 D^l Theta^{com,l}, same and cross.
    /// </summary>
    public (PreactivationKernels Value, PreactivationKernels Error) Next(PreactivationKernels k, PreactivationKernels e, LayerMoments m, LayerMoments em) =>
        DenseStep(k, e, m, em, SigmaW2, SigmaB2);

    /// <summary>
    /// A dense layer after a modulated one, at one pair: K = sigma_w^2 C + sigma_b^2 and Theta^com = K + sigma_w^2 D
    /// Theta^com, same and cross, with their errors (the readout: sigma_b^2 = 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (PreactivationKernels Value, PreactivationKernels Error) DenseStep(PreactivationKernels k, PreactivationKernels e,
        LayerMoments m, LayerMoments em, double sigmaW2, double sigmaB2)
    {
        double ks = sigmaW2 * m.CSame + sigmaB2;
        double kc = sigmaW2 * m.CCross + sigmaB2;
        var next = new PreactivationKernels(ks, kc, ks + sigmaW2 * m.Member.DSame * k.ThetaSame, kc + sigmaW2 * m.DCross * k.ThetaCross);
        return (next, KernelErrors.Step(k, e, m, em, next, sigmaW2, sigmaB2));
    }
}

/// <summary>The shared readout f = sigma_w/sqrt(N_L) W^{L+1} x^L, without a shared bias (it would couple the members).</summary>
public static class ReadoutKernel
{
    /// <summary>
    /// The output's kernels at one pair, and their errors, from the last hidden layer's pre-activation kernels
    /// <paramref name="k"/> and moments <paramref name="m"/>: Sigma = sigma_w^2 C^L and
    /// Theta^com = sigma_w^2 C^L + sigma_w^2 D^L Theta^{com,L}, same and cross.
    /// </summary>
    public static (PreactivationKernels Value, PreactivationKernels Error) Apply(PreactivationKernels k, PreactivationKernels e, LayerMoments m, LayerMoments em, double sigmaW2) =>
        ModulatedLayerKernel.DenseStep(k, e, m, em, sigmaW2, 0);
}

/// <summary>The member part Theta^ind: gradients of f_a in member a's own parameters.</summary>
public static class MemberKernel
{
    /// <summary>
    /// Theta^ind = sum_{l=1..L} G^l (A_u^l + A_v^l), G^L = sigma_w^2, G^{l-1} = G^l sigma_w^2 D_s^l, summed from the
    /// readout back, at one pair, when the modulations are trained (0 otherwise: MC-dropout masks, independent
    /// members without modulations); a per-member readout bias adds 1 (df_a/dc_a = 1). Returns it and its error.
    /// </summary>
    /// <param name="layers">The terms of layers 1..L, in order.</param>
    /// <param name="errors">Their errors.</param>
    /// <param name="sigmaW2">sigma_w^2.</param>
    /// <param name="modulationsTrained">Whether u and v are trained parameters.</param>
    /// <param name="memberReadoutBias">Whether each member has its own readout bias.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double Value, double Error) Sum(ReadOnlySpan<MemberLayerTerms> layers, ReadOnlySpan<MemberLayerTerms> errors, double sigmaW2,
        bool modulationsTrained, bool memberReadoutBias)
    {
        double member = 0, error = 0;
        if (modulationsTrained)
        {
            double g = sigmaW2, eg = 0; // G^L
            for (int l = layers.Length; l >= 1; l--)
            {
                (double ds, double au, double av) = layers[l - 1];
                MemberLayerTerms e = errors[l - 1];
                member += g * (au + av);
                error += eg * Math.Abs(au + av) + Math.Abs(g) * (e.AU + e.AV) + KernelErrors.StepRounding * Math.Abs(member);
                eg = sigmaW2 * (eg * Math.Abs(ds) + Math.Abs(g) * e.DSame);
                g *= sigmaW2 * ds; // G^{l-1} = G^l sigma_w^2 D_s^l
            }
        }
        if (memberReadoutBias)
        {
            member += 1;
            error += KernelErrors.Epsilon * Math.Abs(member);
        }
        return (member, error);
    }
}
