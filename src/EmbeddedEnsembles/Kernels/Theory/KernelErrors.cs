using System.Runtime.CompilerServices;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The estimated absolute error of every entry of the five analytic kernels, n x n each (the same names as
/// <see cref="EnsembleKernels"/>). The rule is first-order propagation through the layer steps:
/// <list type="bullet">
/// <item>K^1: rounding of the inner product, (N_0 + 3) u (sigma_w^2 sum |x_d x'_d|/N_0 + sigma_b^2), u = 2^-53.</item>
/// <item>Each moment M of a layer (C, D, A_u, A_v, same and cross): the rule's own estimate (adaptive quadrature;
/// 0 for closed forms), plus |M| (e_ii/K_ii + e_jj/K_jj)/2 for the variances (exact for the degree-1 moments of
/// ReLU, an upper bound for bounded activations), plus the change with the correlation: delta rho =
/// e_ij/sqrt(K_ii K_jj) + |rho| (e_ii/K_ii + e_jj/K_jj)/2 + u, times dC/dK12 = D (Price's theorem) for C and the
/// activation's slope for D and A_v (<see cref="Descriptions.Activation.RhoErrors"/>: closed form for ReLU, where
/// theta = arccos rho moves by up to sqrt(2 delta rho) at rho = +-1; Cauchy-Schwarz bounds from phi'' otherwise),
/// plus 8 u |M| of rounding. A diagonal pair, or one whose float64 covariances are exactly parallel (duplicated
/// inputs), has delta rho = 0: its correlation is +-1 by construction.</item>
/// <item>The linear steps K = sigma_w^2 C + sigma_b^2, Theta = K + sigma_w^2 D Theta and Theta^ind = sum G (A_u + A_v):
/// e(ab) = |a| e(b) + e(a) |b|, plus 4 u of the magnitudes.</item>
/// </list>
/// Products of errors (second order) are dropped. The tests check that the estimate covers the error against the
/// double-double references for ReLU, erf, tanh and GELU.
/// </summary>
/// <param name="NngpSame">Error of Sigma_s.</param>
/// <param name="NngpCross">Error of Sigma_c.</param>
/// <param name="NtkSharedSame">Error of Theta^com_s.</param>
/// <param name="NtkSharedCross">Error of Theta^com_c.</param>
/// <param name="NtkMember">Error of Theta^ind.</param>
public sealed record KernelErrors(double[,] NngpSame, double[,] NngpCross, double[,] NtkSharedSame, double[,] NtkSharedCross, double[,] NtkMember)
{
    /// <summary>The unit roundoff of float64, 2^-53.</summary>
    public const double Epsilon = 1.1102230246251565e-16;

    /// <summary>Rounding allowed for a moment: 8 u of its magnitude.</summary>
    public const double MomentRounding = 8 * Epsilon;

    /// <summary>Rounding allowed for one linear step: 4 u of the magnitudes.</summary>
    public const double StepRounding = 4 * Epsilon;

    /// <summary>
    /// The five errors, each with the kernel whose diagonal scales it: the same-member part of its kernel (Sigma_s for
    /// both NNGPs, Theta^com_s for both shared NTKs, Theta^ind for itself).
    /// </summary>
    public (double[,] Error, double[,] Scale)[] WithScales(EnsembleKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        return
        [
            (NngpSame, kernels.NngpSame), (NngpCross, kernels.NngpSame), (NtkSharedSame, kernels.NtkSharedSame),
            (NtkSharedCross, kernels.NtkSharedSame), (NtkMember, kernels.NtkMember),
        ];
    }

    /// <summary>The largest error relative to the kernels' own scale: max over kernels and entries of e_ij / sqrt(S_ii S_jj) (<see cref="WithScales"/>).</summary>
    public double MaxRelative(EnsembleKernels kernels) => WithScales(kernels).Max(p => MaxRelative(p.Error, p.Scale));

    /// <summary>The largest e_ij / sqrt(S_ii S_jj) (e_ij itself where the scale is 0); 0 for no entries.</summary>
    public static double MaxRelative(double[,] error, double[,] scale)
    {
        ArgumentNullException.ThrowIfNull(error);
        double[] root = Roots(scale);
        double worst = 0;
        for (int i = 0; i < root.Length; i++)
        {
            for (int j = 0; j < root.Length; j++)
            {
                worst = Math.Max(worst, RelativeEntry(error[i, j], root[i] * root[j]));
            }
        }
        return worst;
    }

    /// <summary>e_ij / sqrt(S_ii S_jj) (e_ij itself where the scale is 0).</summary>
    public static double[,] Relative(double[,] error, double[,] scale)
    {
        ArgumentNullException.ThrowIfNull(error);
        double[] root = Roots(scale);
        var r = new double[root.Length, root.Length];
        for (int i = 0; i < root.Length; i++)
        {
            for (int j = 0; j < root.Length; j++)
            {
                r[i, j] = RelativeEntry(error[i, j], root[i] * root[j]);
            }
        }
        return r;
    }

    // sqrt|S_ii| of every input.
    private static double[] Roots(double[,] scale)
    {
        ArgumentNullException.ThrowIfNull(scale);
        var root = new double[scale.GetLength(0)];
        for (int i = 0; i < root.Length; i++)
        {
            root[i] = Math.Sqrt(Math.Abs(scale[i, i]));
        }
        return root;
    }

    private static double RelativeEntry(double error, double scale) => scale > 0 ? error / scale : error;

    /// <summary>delta rho of a pair (see the rule above); 0 for a diagonal or exactly parallel pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double CorrelationChange(PairCovariance k, bool diagonal, double covarianceError, double spread)
    {
        double scale = k.Scale;
        if (diagonal || !(scale > 0) || (k.K11 == k.K22 && Math.Abs(k.K12) == k.K11))
        {
            return 0;
        }
        return covarianceError / scale + Math.Abs(k.Rho) * spread + Epsilon;
    }

    /// <summary>
    /// Errors of one pair's <paramref name="result"/> = (sigma_w^2 C + sigma_b^2, sigma_w^2 C + sigma_b^2 + sigma_w^2 D Theta),
    /// same and cross, from the layer's input kernels <paramref name="k"/> and moments <paramref name="m"/> and their
    /// errors <paramref name="ek"/> and <paramref name="em"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static PreactivationKernels Step(PreactivationKernels k, PreactivationKernels ek, LayerMoments m, LayerMoments em,
        PreactivationKernels result, double sigmaW2, double sigmaB2)
    {
        double eks = sigmaW2 * em.CSame + StepRounding * (sigmaW2 * Math.Abs(m.CSame) + sigmaB2);
        double ekc = sigmaW2 * em.CCross + StepRounding * (sigmaW2 * Math.Abs(m.CCross) + sigmaB2);
        double dS = m.Member.DSame, dC = m.DCross, tS = k.ThetaSame, tC = k.ThetaCross;
        return new PreactivationKernels(eks, ekc,
            eks + sigmaW2 * (em.Member.DSame * Math.Abs(tS) + Math.Abs(dS) * ek.ThetaSame)
                + StepRounding * (Math.Abs(result.KSame) + sigmaW2 * Math.Abs(dS * tS)),
            ekc + sigmaW2 * (em.DCross * Math.Abs(tC) + Math.Abs(dC) * ek.ThetaCross)
                + StepRounding * (Math.Abs(result.KCross) + sigmaW2 * Math.Abs(dC * tC)));
    }
}
