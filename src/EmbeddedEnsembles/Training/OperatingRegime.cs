using EmbeddedEnsembles.Descriptions;

namespace EmbeddedEnsembles.Training;

/// <summary>The operating regime of an embedded ensemble (THEORY.md sections 1-3).</summary>
public enum OperatingRegime
{
    /// <summary>U1 = 0 (and gamma(M) = M in training): members behave like separately trained networks.</summary>
    Independent,
    /// <summary>U1 != 0 (and gamma(M) = 1 in training): members stay correlated.</summary>
    Collective,
    /// <summary>Training with U1 = 0 and gamma(M) != M, or U1 != 0 and gamma(M) != 1: neither regime's rule.</summary>
    Mixed,
    /// <summary>Separate networks: no shared weights and no modulations, so no regime (and no U1).</summary>
    None,
}

/// <summary>
/// The one place that says which regime a configuration is in. THEORY.md: U1 = E u decides the kernels at
/// initialization (Theorems 1.2/1.3, 2.2/2.3: cross-member kernels vanish iff U1 = 0); in training the independent
/// regime is U1 = 0 with gamma(M) = M and the collective regime U1 != 0 with gamma(M) = 1 (sections 1 and 3).
/// </summary>
public static class Regime
{
    /// <summary>U1 = E u of the ensemble's u law; NaN for separate networks, which have no modulations.</summary>
    public static double U1(EnsembleFamily family, ModulationLaw uLaw) =>
        family == EnsembleFamily.Independent ? double.NaN : uLaw.Mean;

    /// <summary>The regime at initialization, where gamma plays no part: U1 = 0 independent, U1 != 0 collective.</summary>
    public static OperatingRegime AtInitialization(EnsembleFamily family, ModulationLaw uLaw)
    {
        double u1 = U1(family, uLaw);
        if (double.IsNaN(u1))
        {
            return OperatingRegime.None;
        }
        return u1 == 0 ? OperatingRegime.Independent : OperatingRegime.Collective;
    }

    /// <summary>The regime of training with gamma(M) = <paramref name="gamma"/>: independent, collective, mixed or none.</summary>
    public static OperatingRegime Of(EnsembleFamily family, ModulationLaw uLaw, GammaRule gamma) =>
        (AtInitialization(family, uLaw), gamma) switch
        {
            (OperatingRegime.None, _) => OperatingRegime.None,
            (OperatingRegime.Independent, var g) when g == GammaRule.M => OperatingRegime.Independent,
            (OperatingRegime.Collective, var g) when g == GammaRule.One => OperatingRegime.Collective,
            _ => OperatingRegime.Mixed,
        };

    /// <summary>The regime as results files spell it: "independent", "collective", "mixed" or "none".</summary>
    public static string Name(OperatingRegime regime) => regime.ToString().ToLowerInvariant();
}
