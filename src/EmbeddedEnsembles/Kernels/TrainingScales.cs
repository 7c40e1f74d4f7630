using EmbeddedEnsembles.Training;

namespace EmbeddedEnsembles.Kernels;

/// <summary>
/// The learning-rate scales that turn the kernel parts into the training NTK (THEORY.md section 2, Theorem 2):
/// Theta_ab = mu_w gamma(M)/M Theta^com_ab + delta_ab mu_u Theta^ind.
/// </summary>
/// <param name="MuW">Base learning rate of the weight group, mu_w.</param>
/// <param name="MuU">Learning rate of the member-specific group (modulations, member readout bias), mu_u.</param>
/// <param name="Gamma">gamma(M).</param>
public sealed record TrainingScales(double MuW, double MuU, GammaRule Gamma)
{
    /// <summary>The scales of a training rule.</summary>
    public static TrainingScales From(TrainingRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new TrainingScales(rule.MuW, rule.MuU, rule.Gamma);
    }

    /// <summary>mu_w gamma(M)/M, the weight-group rate.</summary>
    public double SharedRate(int members) => MuW * Gamma.Value(members) / members;

    /// <summary>Throws a clear <see cref="ArgumentException"/> on a bad field.</summary>
    public TrainingScales Validate()
    {
        if (!(MuW >= 0) || !double.IsFinite(MuW)) throw new ArgumentException($"mu_w must be a finite number >= 0, got {MuW}");
        if (!(MuU >= 0) || !double.IsFinite(MuU)) throw new ArgumentException($"mu_u must be a finite number >= 0, got {MuU}");
        if (Gamma is null) throw new ArgumentException("gamma rule is missing");
        return this;
    }
}
