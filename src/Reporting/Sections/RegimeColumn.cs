using EEArtifacts.Reporting.Results;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>
/// Reads the <c>regime</c> column: the experiments write the regime the library's <c>Regime</c> gives each configuration
/// (U1 and gamma), and the sections read it instead of deriving it from U1, gamma or law names.
/// </summary>
public static class RegimeColumn
{
    /// <summary>Whether the row's regime is <paramref name="regime"/> (a <see cref="RegimeValue"/>).</summary>
    public static bool Is(CsvRow row, string regime) => row.S(Column.Regime) == regime;
}
