using System.Globalization;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Sections;

/// <summary>Small helpers shared by the experiment sections: grouping rows, means with SEs, series.</summary>
public static class Data
{
    public static string Num(double v) => Measurement.Num(v);

    /// <summary>Distinct values of a column in first-appearance order (cell order).</summary>
    public static List<string> Distinct(IEnumerable<CsvRow> rows, string column) =>
        rows.Select(r => r.S(column)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The setups of E4/E5 rows, "task architecture" (e.g. "cifar10 cnn"), in cell order. Figures and claims use one
    /// setup at a time: accuracies of different tasks do not belong on one curve.
    /// </summary>
    public static List<string> Setups(IEnumerable<CsvRow> rows) => rows.Select(Setup).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The rows of one setup (see <see cref="Setups"/>).</summary>
    public static List<CsvRow> OfSetup(IEnumerable<CsvRow> rows, string setup) => rows.Where(r => Setup(r) == setup).ToList();

    /// <summary>The rows of the first setup in cell order: the one E4's and E5's claims are computed on.</summary>
    public static List<CsvRow> FirstSetup(IEnumerable<CsvRow> rows)
    {
        var list = rows.ToList();
        return list.Count == 0 ? list : OfSetup(list, Setup(list[0]));
    }

    private static string Setup(CsvRow row) => $"{row.S(Column.Task)} {row.S(Column.Architecture)}";

    /// <summary>Distinct numeric values of a column, ascending.</summary>
    public static List<double> Levels(IEnumerable<CsvRow> rows, string column) =>
        rows.Select(r => r.D(column)).Where(double.IsFinite).Distinct().Order().ToList();

    /// <summary>Mean of a column with its SE: from the rows' own SE column when given (rows assumed
    /// independent: sqrt(sum se^2)/n), else from the spread over rows (SD/sqrt(n)).</summary>
    public static Measurement Mean(IEnumerable<CsvRow> rows, string column, string? seColumn = null, Func<double, double>? transform = null)
    {
        var list = rows.ToList();
        transform ??= v => v;
        if (seColumn is not null && list.Count > 0)
        {
            if (list[0].Table.Has(seColumn))
            {
                return Stat.MeanOfMeasured(list.Select(r => (transform(r.D(column)), r.D(seColumn))));
            }

            // Falls back to the spread over rows, but an asked-for SE column the files lack is a contract break.
            list[0].Table.NoteAbsentRead(seColumn);
        }

        return Stat.MeanSe(list.Select(r => transform(r.D(column))));
    }

    /// <summary>Per x level: the mean of y with its SE.</summary>
    public static List<(double X, Measurement Y)> ByLevel(IEnumerable<CsvRow> rows, string xColumn, string yColumn, string? seColumn = null) =>
        rows.GroupBy(r => r.D(xColumn)).Where(g => double.IsFinite(g.Key)).OrderBy(g => g.Key)
            .Select(g => (g.Key, Mean(g, yColumn, seColumn))).ToList();

    public static SeriesSpec Series(string label, IReadOnlyList<(double X, Measurement Y)> points, SeriesStyle style = SeriesStyle.LineMarkers, string? colorKey = null) =>
        new(label, points.Select(p => p.X).ToArray(), points.Select(p => p.Y.Value).ToArray(),
            style == SeriesStyle.Theory ? null : points.Select(p => p.Y.Uncertainty).ToArray(), style, colorKey);

    public static string Label(string column, string value) => $"{column}={value}";

    public static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>OLS fit of log10 y on log10 x over all rows with positive values.</summary>
    public static LineFit LogLogFit(IEnumerable<CsvRow> rows, string xColumn, string yColumn)
    {
        var pts = rows.Select(r => (x: r.D(xColumn), y: r.D(yColumn))).Where(p => p.x > 0 && p.y > 0).ToList();
        return Stat.Fit(pts.Select(p => Math.Log10(p.x)).ToList(), pts.Select(p => Math.Log10(p.y)).ToList());
    }
}
