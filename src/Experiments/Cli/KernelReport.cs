using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;

namespace EEArtifacts.Experiments.Cli;

/// <summary>
/// The analytic kernels in JSON-friendly form (jagged arrays), for the CLI (<c>ee-experiments kernels</c>).
/// </summary>
/// <param name="Family">Ensemble family.</param>
/// <param name="Activation">Activation name.</param>
/// <param name="KernelRule">How the activation's moments were computed.</param>
/// <param name="ULaw">Law of u.</param>
/// <param name="VLaw">Law of v.</param>
/// <param name="Depth">L.</param>
/// <param name="SigmaW">sigma_w.</param>
/// <param name="SigmaB">sigma_b.</param>
/// <param name="Members">M.</param>
/// <param name="MemberReadoutBias">Whether members have their own readout bias.</param>
/// <param name="Inputs">The inputs, one per row.</param>
/// <param name="NngpSame">Sigma_s.</param>
/// <param name="NngpCross">Sigma_c.</param>
/// <param name="NtkSharedSame">Theta^com_s.</param>
/// <param name="NtkSharedCross">Theta^com_c.</param>
/// <param name="NtkMember">Theta^ind.</param>
/// <param name="ErrorBounds">Each kernel's largest estimated error relative to sqrt(K_ii K_jj) (<see cref="KernelErrors"/>).</param>
public sealed record KernelReport(
    string Family,
    string Activation,
    string KernelRule,
    string ULaw,
    string VLaw,
    int Depth,
    double SigmaW,
    double SigmaB,
    int Members,
    bool MemberReadoutBias,
    double[][] Inputs,
    double[][] NngpSame,
    double[][] NngpCross,
    double[][] NtkSharedSame,
    double[][] NtkSharedCross,
    double[][] NtkMember,
    KernelErrorBounds? ErrorBounds)
{
    /// <summary>The report of <paramref name="kernels"/> computed for <paramref name="inputs"/> (the matrices empty unless <paramref name="matrices"/>).</summary>
    public static KernelReport From(EnsembleKernels kernels, double[,] inputs, bool matrices = true)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(inputs);
        var spec = kernels.Spec;
        double[][] Jagged(double[,] m) => matrices ? Matrix.ToJagged(m) : [];
        return new KernelReport(
            spec.Family.ToString(),
            spec.Activation.Name,
            spec.Activation.KernelRule,
            spec.ULaw.ToString(),
            spec.VLaw.ToString(),
            spec.Depth,
            spec.SigmaW,
            spec.SigmaB,
            spec.Members,
            spec.MemberReadoutBias,
            Jagged(inputs),
            Jagged(kernels.NngpSame),
            Jagged(kernels.NngpCross),
            Jagged(kernels.NtkSharedSame),
            Jagged(kernels.NtkSharedCross),
            Jagged(kernels.NtkMember),
            kernels.Errors is KernelErrors e ? KernelErrorBounds.From(e, kernels) : null);
    }
}

/// <summary>
/// The largest estimated error of each kernel relative to sqrt(K_ii K_jj) of its same-member part (first-order
/// propagation, <see cref="KernelErrors"/>); --format npy writes the per-entry absolute bounds as *_error.npy.
/// </summary>
/// <param name="NngpSame">Sigma_s.</param>
/// <param name="NngpCross">Sigma_c (scaled by Sigma_s).</param>
/// <param name="NtkSharedSame">Theta^com_s.</param>
/// <param name="NtkSharedCross">Theta^com_c (scaled by Theta^com_s).</param>
/// <param name="NtkMember">Theta^ind.</param>
public sealed record KernelErrorBounds(double NngpSame, double NngpCross, double NtkSharedSame, double NtkSharedCross, double NtkMember)
{
    /// <summary>The bounds of <paramref name="kernels"/> from their errors <paramref name="e"/>.</summary>
    public static KernelErrorBounds From(KernelErrors e, EnsembleKernels kernels)
    {
        ArgumentNullException.ThrowIfNull(e);
        double[] b = [.. e.WithScales(kernels).Select(p => KernelErrors.MaxRelative(p.Error, p.Scale))];
        return new KernelErrorBounds(b[0], b[1], b[2], b[3], b[4]);
    }
}
