using System.Globalization;
using System.Text;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Experiments.Runner;

/// <summary>Tidy rows with named columns, written as CSV by the runner (see docs/RESULTS.md).</summary>
public sealed class ResultTable
{
    private readonly List<object[]> _rows = new();

    /// <summary>Creates a table with the given columns (after the runner's experiment,cell,repeat,seed).</summary>
    public ResultTable(params string[] columns)
    {
        if (columns.Length == 0 || columns.Any(c => string.IsNullOrWhiteSpace(c) || c.Contains(',', StringComparison.Ordinal)))
        {
            throw new ArgumentException("columns must be non-empty names without commas");
        }
        Columns = columns;
    }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The rows, in insertion order.</summary>
    public IReadOnlyList<object[]> Rows => _rows;

    /// <summary>Adds a row; values are strings, integers or doubles, one per column.</summary>
    public ResultTable Add(params object[] values)
    {
        if (values.Length != Columns.Count)
        {
            throw new ArgumentException($"row has {values.Length} values for {Columns.Count} columns ({string.Join(",", Columns)})");
        }
        _rows.Add(values);
        return this;
    }

    /// <summary>Whether any double in the table is NaN or infinite.</summary>
    public bool HasNonFinite => _rows.Any(r => r.Any(v => v is double d && !double.IsFinite(d)));

    /// <summary>Formats one value the CSV way: invariant culture, round-trip doubles, no commas.</summary>
    public static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s when s.Contains(',', StringComparison.Ordinal) || s.Contains('\n', StringComparison.Ordinal)
            => throw new ArgumentException($"CSV value '{s}' contains a comma or newline"),
        _ => value.ToString() ?? "",
    };

    /// <summary>The CSV text with the runner's leading columns prepended.</summary>
    public string ToCsv(string experiment, int cell, int repeat, long seed)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(",", ResultLayout.Leading).Append(',').AppendJoin(",", Columns).Append('\n');
        string prefix = string.Join(",", experiment, Format(cell), Format(repeat), Format(seed));
        foreach (object[] row in _rows)
        {
            sb.Append(prefix).Append(',').Append(string.Join(",", row.Select(Format))).Append('\n');
        }
        return sb.ToString();
    }
}

/// <summary>What one cell produced: its rows, optional per-epoch rows, and whether training diverged.</summary>
/// <param name="Rows">The cell's result rows.</param>
/// <param name="Epochs">Per-epoch rows for training experiments.</param>
/// <param name="Diverged">True when a loss became NaN or infinite; the sweep goes on.</param>
public sealed record CellOutput(ResultTable Rows, ResultTable? Epochs = null, bool Diverged = false);
