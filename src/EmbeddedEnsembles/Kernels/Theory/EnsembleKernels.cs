using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Training;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The infinite-width kernels of an ensemble on n inputs (THEORY.md section 2), all n x n, symmetric, float64.
/// Members are exchangeable, so each kernel has a same-member part (alpha = beta) and a cross-member part.
/// </summary>
/// <param name="Spec">The ensemble description.</param>
/// <param name="NngpSame">Sigma_s = E[f_a(x) f_a(x')].</param>
/// <param name="NngpCross">Sigma_c = E[f_a(x) f_b(x')], a != b.</param>
/// <param name="NtkSharedSame">Theta^com_s: gradients in the shared weights, same member.</param>
/// <param name="NtkSharedCross">Theta^com_c: gradients in the shared weights, two different members.</param>
/// <param name="NtkMember">Theta^ind: gradients in member a's own parameters (modulations, member readout bias).</param>
public sealed record EnsembleKernels(
    MlpSpec Spec,
    double[,] NngpSame,
    double[,] NngpCross,
    double[,] NtkSharedSame,
    double[,] NtkSharedCross,
    double[,] NtkMember)
{
    /// <summary>
    /// The estimated absolute error of every entry (<see cref="KernelErrors"/>); null for kernels not computed by
    /// <see cref="AnalyticKernels.Compute"/>.
    /// </summary>
    public KernelErrors? Errors { get; init; }

    /// <summary>Number of inputs n.</summary>
    public int Points => NngpSame.GetLength(0);

    /// <summary>
    /// The training NTK of THEORY.md Theorem 2 for the spec's ensemble size (or <paramref name="members"/>):
    /// same (a = b): mu_w gamma(M)/M Theta^com_s + mu_u Theta^ind; cross (a != b): mu_w gamma(M)/M Theta^com_c.
    /// </summary>
    public double[,] Combined(TrainingRule scales, bool same, int? members = null)
    {
        ArgumentNullException.ThrowIfNull(scales);
        scales.Validate();
        int m = ResolveMembers(members);
        double rate = scales.SharedLearningRate(m);
        return same
            ? Matrix.Combine(rate, NtkSharedSame, scales.MuU, NtkMember)
            : Matrix.Scale(rate, NtkSharedCross);
    }

    /// <summary>
    /// The kernels of the ensemble mean fbar = (1/M) sum_a f_a (THEORY.md section 3):
    /// Theta_m = Theta_s' + (M-1) Theta_c' and K_m = (Sigma_s + (M-1) Sigma_c)/M.
    /// </summary>
    public MeanModeKernels MeanMode(TrainingRule scales, int? members = null)
    {
        int m = ResolveMembers(members);
        double[,] thetaS = Combined(scales, true, m), thetaC = Combined(scales, false, m);
        return new MeanModeKernels(
            Matrix.Combine(1, thetaS, m - 1, thetaC),
            Matrix.Combine(1.0 / m, NngpSame, (m - 1.0) / m, NngpCross),
            m);
    }

    /// <summary>
    /// The full (M n) x (M n) training NTK, member-major (block (a, b) is Theta_ab): the reference that the mean-mode
    /// reduction avoids.
    /// </summary>
    public double[,] FullNtk(TrainingRule scales, int? members = null)
    {
        int m = ResolveMembers(members);
        return Blocks(Combined(scales, true, m), Combined(scales, false, m), m);
    }

    /// <summary>The full (M n) x (M n) output covariance at initialization, member-major.</summary>
    public double[,] FullNngp(int? members = null) => Blocks(NngpSame, NngpCross, ResolveMembers(members));

    /// <summary>A (M n) x (M n) matrix with <paramref name="same"/> on the diagonal blocks and <paramref name="cross"/> elsewhere.</summary>
    public static double[,] Blocks(double[,] same, double[,] cross, int members)
    {
        ArgumentNullException.ThrowIfNull(same);
        ArgumentNullException.ThrowIfNull(cross);
        int n = Matrix.RequireSquare(same);
        var full = new double[members * n, members * n];
        for (int a = 0; a < members; a++)
        {
            for (int b = 0; b < members; b++)
            {
                double[,] block = a == b ? same : cross;
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        full[a * n + i, b * n + j] = block[i, j];
                    }
                }
            }
        }
        return full;
    }

    private int ResolveMembers(int? members) => EnsembleSize.Require(members ?? Spec.Members);
}

/// <summary>The kernels of the ensemble mean (THEORY.md section 3).</summary>
/// <param name="Ntk">Theta_m = Theta_s' + (M-1) Theta_c'.</param>
/// <param name="Nngp">K_m = (Sigma_s + (M-1) Sigma_c)/M, the prior covariance of fbar.</param>
/// <param name="Members">M.</param>
public sealed record MeanModeKernels(double[,] Ntk, double[,] Nngp, int Members);
