using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Numerics;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The infinite-width kernels of an ensemble MLP (THEORY.md section 2) for a set of inputs, in float64, NTK
/// parameterization. Each activation supplies its own moments (<see cref="Activation.SameMemberMoments"/>,
/// <see cref="Activation.CrossMemberMoments"/>): closed forms for ReLU and erf, Gauss-Hermite quadrature otherwise.
/// <para>
/// Recursion (sequential limit), with the same-member diagonal as the variances of every pair:
/// K^1 = sigma_w^2 x.x'/N_0 + sigma_b^2 (same = cross); C_s = U2 E_v E[phi(vz)phi(vz')], C_c = U1^2 E_{v,v'} E[phi(vz)phi(v'z')];
/// D_s = U2 E_v E[v^2 phi' phi'], D_c = U1^2 E_{v,v'} E[v v' phi' phi']; K^{l+1} = sigma_w^2 C^l + sigma_b^2;
/// Theta^{com,l+1} = K^{l+1} + sigma_w^2 D^l Theta^{com,l}; readout: Sigma = sigma_w^2 C^L,
/// Theta^com = sigma_w^2 C^L + sigma_w^2 D^L Theta^{com,L}; member part: G^L = sigma_w^2, G^l = G^{l+1} sigma_w^2 D_s^{l+1},
/// Theta^ind = sum_l G^l (A_u^l + A_v^l) with A_u = E_v E[phi phi], A_v = U2 E_v E[phi' phi' z z'].
/// </para>
/// <para>
/// Families. BatchEnsemble: as above. MC-dropout: u ~ bernoulli(p)/p, v = 1, masks not trained, so the modulation
/// part of Theta^ind is 0. Independent ensemble: members are separate networks with u = v = 1, so the same-member
/// kernels are the plain NNGP/NTK, every cross kernel is 0 and Theta^ind has no modulation part. All of an
/// independent ensemble's weights sit in the weight group (rate mu_w gamma(M)/M), so the mean-mode formula of
/// section 3 applies unchanged: Theta_s = mu_w gamma(M)/M Theta_plain, Theta_c = 0, and gamma(M) = M trains each
/// member at mu_w exactly as a standalone network. A per-member readout bias (any family) is member-specific: it
/// adds 1 to Theta^ind (df_a/dc_a = 1) and nothing to the NNGP (it starts at 0).
/// </para>
/// </summary>
public static class AnalyticKernels
{
    /// <summary>Computes every kernel part for the inputs <paramref name="x"/> (n x N_0).</summary>
    /// <param name="spec">The ensemble; must use the NTK parameterization (the theory's).</param>
    /// <param name="x">Inputs, one per row, N_0 = spec.InputDim columns.</param>
    /// <param name="quadrature">Quadrature orders for activations and laws without closed forms; null for the defaults.</param>
    public static EnsembleKernels Compute(MlpSpec spec, double[,] x, KernelQuadrature? quadrature = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(x);
        spec.Validate();
        if (spec.Parameterization != Parameterization.Ntk)
        {
            throw new ArgumentException("analytic kernels describe the NTK parameterization; the spec uses the standard one");
        }
        if (x.GetLength(1) != spec.InputDim)
        {
            throw new ArgumentException($"inputs have {x.GetLength(1)} columns, the spec's input dimension is {spec.InputDim}");
        }
        foreach (double value in x)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException("inputs must be finite");
            }
        }
        KernelQuadrature q = (quadrature ?? KernelQuadrature.Default).Validate();
        int n = x.GetLength(0);
        bool independent = spec.Family == EnsembleFamily.Independent;
        ModulationLaw uLaw = independent ? new ConstLaw(1) : spec.ULaw;
        ModulationLaw vLaw = independent ? new ConstLaw(1) : spec.VLaw;
        double u1 = independent ? 0 : uLaw.Mean; // independent members share nothing: no cross terms at all
        double u2 = uLaw.SecondMoment;
        double sw2 = spec.SigmaW * spec.SigmaW, sb2 = spec.SigmaB * spec.SigmaB;
        Activation phi = spec.Activation;

        // Layer 1: shared input and shared first-layer weights, so same = cross.
        var k1 = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                double dot = 0;
                for (int d = 0; d < spec.InputDim; d++)
                {
                    dot += x[i, d] * x[j, d];
                }
                k1[i, j] = k1[j, i] = sw2 * dot / spec.InputDim + sb2;
            }
        }
        double[,] ks = k1, kc = (double[,])k1.Clone();
        double[,] ts = (double[,])k1.Clone(), tc = (double[,])k1.Clone();
        var dsLayers = new List<double[,]>();
        var auLayers = new List<double[,]>();
        var avLayers = new List<double[,]>();
        double[,] sigmaS = new double[n, n], sigmaC = new double[n, n], thetaS = new double[n, n], thetaC = new double[n, n];
        for (int l = 1; l <= spec.Depth; l++)
        {
            var cs = new double[n, n];
            var cc = new double[n, n];
            var ds = new double[n, n];
            var dc = new double[n, n];
            var au = new double[n, n];
            var av = new double[n, n];
            for (int i = 0; i < n; i++)
            {
                for (int j = i; j < n; j++)
                {
                    var same = new PairCovariance(ks[i, i], ks[j, j], ks[i, j]);
                    SameMemberMoments m = phi.SameMemberMoments(vLaw, same, q);
                    cs[i, j] = cs[j, i] = u2 * m.PhiPhi;
                    ds[i, j] = ds[j, i] = u2 * m.DerivDeriv;
                    au[i, j] = au[j, i] = m.PhiPhi;
                    av[i, j] = av[j, i] = u2 * m.DerivDerivZZ;
                    if (u1 != 0)
                    {
                        CrossMemberMoments c = phi.CrossMemberMoments(vLaw, same with { K12 = kc[i, j] }, q);
                        cc[i, j] = cc[j, i] = u1 * u1 * c.PhiPhi;
                        dc[i, j] = dc[j, i] = u1 * u1 * c.DerivDeriv;
                    }
                }
            }
            dsLayers.Add(ds);
            auLayers.Add(au);
            avLayers.Add(av);
            if (l < spec.Depth)
            {
                var ksNext = new double[n, n];
                var kcNext = new double[n, n];
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        ksNext[i, j] = sw2 * cs[i, j] + sb2;
                        kcNext[i, j] = sw2 * cc[i, j] + sb2;
                        ts[i, j] = ksNext[i, j] + sw2 * ds[i, j] * ts[i, j];
                        tc[i, j] = kcNext[i, j] + sw2 * dc[i, j] * tc[i, j];
                    }
                }
                ks = ksNext;
                kc = kcNext;
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        sigmaS[i, j] = sw2 * cs[i, j];
                        sigmaC[i, j] = sw2 * cc[i, j];
                        thetaS[i, j] = sw2 * cs[i, j] + sw2 * ds[i, j] * ts[i, j];
                        thetaC[i, j] = sw2 * cc[i, j] + sw2 * dc[i, j] * tc[i, j];
                    }
                }
            }
        }

        var member = new double[n, n];
        if (spec.Family == EnsembleFamily.BatchEnsemble)
        {
            double[,] g = Matrix.Filled(n, n, sw2); // G^L
            for (int l = spec.Depth; l >= 1; l--)
            {
                double[,] au = auLayers[l - 1], av = avLayers[l - 1], ds = dsLayers[l - 1];
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        member[i, j] += g[i, j] * (au[i, j] + av[i, j]);
                        g[i, j] *= sw2 * ds[i, j]; // G^{l-1} = G^l sigma_w^2 D_s^l
                    }
                }
            }
        }
        if (spec.MemberReadoutBias)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    member[i, j] += 1;
                }
            }
        }
        return new EnsembleKernels(spec, sigmaS, sigmaC, thetaS, thetaC, member);
    }
}
