using EEArtifacts.Reporting.Results;

namespace EEArtifacts.Reporting.Sections;

/// <summary>
/// The <c>regime</c> column: the experiments write the regime the library's <c>Regime</c> gives each configuration
/// (U1 and gamma), and the sections read it instead of deriving it from U1, gamma or law names.
/// </summary>
public static class RegimeColumn
{
    public const string Name = "regime";

    /// <summary>The values: independent (U1 = 0; γ = M in training), collective (U1 ≠ 0; γ = 1 in training), mixed, none.</summary>
    public const string Independent = "independent", Collective = "collective", Mixed = "mixed";

    public static bool Is(CsvRow row, string regime) => row.S(Name) == regime;
}
