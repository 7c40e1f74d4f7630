using System.Globalization;
using System.Text;

namespace EEArtifacts.Reporting.Results;

/// <summary>A parsed CSV file: one header and string fields. Reads the results contract's tidy CSV
/// (no quoting needed) and BenchmarkDotNet's exports (quoted fields allowed).</summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _index;
    private readonly HashSet<string> _absentReads = new(StringComparer.Ordinal);

    public CsvTable(IReadOnlyList<string> header, IReadOnlyList<string[]> fields)
    {
        Header = header;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            _index.TryAdd(header[i], i);
        }

        Rows = fields.Select(f => new CsvRow(this, f)).ToList();
    }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<CsvRow> Rows { get; }

    public static CsvTable Empty { get; } = new([], []);

    public bool Has(string column) => _index.ContainsKey(column);

    /// <summary>
    /// Columns that rows of this table were asked for but its header lacks: such a read gives "" or NaN, so a
    /// misspelt or unwritten column would pass silently; the contract test checks this stays empty.
    /// </summary>
    public IReadOnlyCollection<string> AbsentReads
    {
        get
        {
            lock (_absentReads)
            {
                return _absentReads.ToList();
            }
        }
    }

    internal void NoteAbsentRead(string column)
    {
        lock (_absentReads)
        {
            _absentReads.Add(column);
        }
    }

    public int IndexOf(string column) => _index.TryGetValue(column, out var i) ? i : -1;

    public IReadOnlyList<string> MissingColumns(IEnumerable<string> required) =>
        required.Where(c => !Has(c)).ToList();

    public static CsvTable Parse(string text)
    {
        var records = ParseRecords(text);
        if (records.Count == 0)
        {
            return Empty;
        }

        var header = records[0].Select(h => h.Trim()).ToArray();
        return new CsvTable(header, records.Skip(1).Where(r => !(r.Length == 1 && r[0].Length == 0)).ToList());
    }

    public static CsvTable Read(string path) => Parse(File.ReadAllText(path, Encoding.UTF8));

    /// <summary>Concatenates tables that share one header; rows keep their order.</summary>
    public static CsvTable Concat(IReadOnlyList<CsvTable> tables)
    {
        if (tables.Count == 0)
        {
            return Empty;
        }

        var header = tables[0].Header;
        var rows = new List<string[]>();
        foreach (var t in tables)
        {
            if (!t.Header.SequenceEqual(header))
            {
                throw new InvalidDataException("headers differ: [" + string.Join(",", header) + "] vs [" + string.Join(",", t.Header) + "]");
            }

            rows.AddRange(t.Rows.Select(r => r.Fields));
        }

        return new CsvTable(header, rows);
    }

    private static List<string[]> ParseRecords(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var i = 0;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            i = 1;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add(fields.ToArray());
                    fields.Clear();
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields.ToArray());
        }

        return records;
    }
}

/// <summary>One CSV row with access by column name.</summary>
public readonly struct CsvRow
{
    internal CsvRow(CsvTable table, string[] fields)
    {
        Table = table;
        Fields = fields;
    }

    public CsvTable Table { get; }

    public string[] Fields { get; }

    /// <summary>The field as text; empty when the column is absent.</summary>
    public string S(string column)
    {
        var i = Table.IndexOf(column);
        if (i < 0)
        {
            Table.NoteAbsentRead(column);
        }

        return i >= 0 && i < Fields.Length ? Fields[i].Trim() : "";
    }

    /// <summary>The field as a double (invariant culture, NaN/Infinity spelled out); NaN when absent or not a number.</summary>
    public double D(string column) => ParseDouble(S(column));

    public static double ParseDouble(string s)
    {
        switch (s)
        {
            case "NaN":
            case "nan":
            case "":
                return double.NaN;
            case "Infinity":
            case "inf":
            case "+Infinity":
                return double.PositiveInfinity;
            case "-Infinity":
            case "-inf":
                return double.NegativeInfinity;
        }

        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
    }
}
