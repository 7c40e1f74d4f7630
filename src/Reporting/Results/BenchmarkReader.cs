using System.Globalization;
using System.Text.Json;

namespace EEArtifacts.Reporting.Results;

/// <summary>One BenchmarkDotNet summary (one benchmark class), reduced to the columns that vary.</summary>
public sealed record BenchmarkTable(string Name, string SourceFile, IReadOnlyList<string> Columns, IReadOnlyList<string[]> Rows)
{
    public int IndexOf(string column) => Columns.ToList().IndexOf(column);

    /// <summary>Rows with a numeric Ratio: (label, ratio), label built from the method and varying parameters.</summary>
    public IReadOnlyList<(string Label, double Ratio)> Ratios()
    {
        var ri = IndexOf("Ratio");
        if (ri < 0)
        {
            return [];
        }

        var labelCols = Enumerable.Range(0, Columns.Count).Where(i => !BenchmarkReader.IsMeasurement(Columns[i])).ToList();
        var list = new List<(string, double)>();
        foreach (var r in Rows)
        {
            var v = BenchmarkReader.ParseNumber(r[ri]);
            if (double.IsFinite(v))
            {
                list.Add((string.Join(" ", labelCols.Where(i => r[i].Length > 0).Select(i => Columns[i] == "Method" ? r[i] : $"{Columns[i]}={r[i]}")), v));
            }
        }

        return list;
    }
}

public sealed record BenchmarkResults(bool FolderExists, IReadOnlyList<BenchmarkTable> Tables, IReadOnlyList<string> Problems);

/// <summary>Reads results/&lt;profile&gt;/benchmarks/: BenchmarkDotNet CSV exports (*-report.csv), or its
/// JSON exports when no CSV is there.</summary>
public static class BenchmarkReader
{
    private static readonly string[] Keep = ["Method", "Mean", "Error", "StdDev", "Ratio", "RatioSD", "Allocated", "Alloc Ratio"];
    private static readonly string[] Measurements = ["Mean", "Error", "StdDev", "Median", "Min", "Max", "Ratio", "RatioSD", "Allocated", "Alloc Ratio", "Gen0", "Gen1", "Gen2", "Op/s", "Mean [ns]", "SE [ns]"];

    public static bool IsMeasurement(string column) => Measurements.Contains(column);

    public static BenchmarkResults Read(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return new BenchmarkResults(false, [], ["benchmarks: no exports (folder benchmarks/ is missing)"]);
        }

        var tables = new List<BenchmarkTable>();
        var problems = new List<string>();
        var csvs = Directory.GetFiles(folder, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        foreach (var csv in csvs)
        {
            try
            {
                var t = CsvTable.Read(csv);
                if (t.Has("Method") && t.Has("Mean"))
                {
                    tables.Add(Reduce(NameOf(csv), Path.GetRelativePath(folder, csv), t.Header, t.Rows.Select(r => r.Fields).ToList()));
                }
            }
            catch (IOException e)
            {
                problems.Add($"benchmarks: cannot read {Path.GetFileName(csv)} ({e.Message})");
            }
        }

        if (tables.Count == 0)
        {
            foreach (var json in Directory.GetFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (ReadJson(json, folder) is { } t)
                {
                    tables.Add(t);
                }
            }
        }

        if (tables.Count == 0)
        {
            problems.Add("benchmarks: no BenchmarkDotNet exports found in benchmarks/");
        }

        return new BenchmarkResults(true, tables, problems);
    }

    private static string NameOf(string path)
    {
        var n = Path.GetFileNameWithoutExtension(path);
        foreach (var suffix in new[] { "-report-full-compressed", "-report-full", "-report" })
        {
            if (n.EndsWith(suffix, StringComparison.Ordinal))
            {
                n = n[..^suffix.Length];
                break;
            }
        }

        var dot = n.LastIndexOf('.');
        return dot >= 0 && dot < n.Length - 1 ? n[(dot + 1)..] : n;
    }

    /// <summary>Keeps the method, the parameters that vary, and the measurement columns.</summary>
    private static BenchmarkTable Reduce(string name, string file, IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        var keep = new List<int>();
        for (var i = 0; i < header.Count; i++)
        {
            var col = header[i];
            var distinct = rows.Select(r => i < r.Length ? r[i] : "").Distinct().Count();
            if (Keep.Contains(col) || (!IsMeasurement(col) && distinct > 1))
            {
                keep.Add(i);
            }
        }

        return new BenchmarkTable(
            name,
            file,
            keep.Select(i => header[i]).ToList(),
            rows.Select(r => keep.Select(i => i < r.Length ? r[i] : "").ToArray()).ToList());
    }

    private static BenchmarkTable? ReadJson(string path, string folder)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("Benchmarks", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var rows = new List<string[]>();
            foreach (var b in list.EnumerateArray())
            {
                var method = b.TryGetProperty("Method", out var m) ? m.GetString() ?? "" : "";
                var pars = b.TryGetProperty("Parameters", out var p) ? p.GetString() ?? "" : "";
                double mean = double.NaN, se = double.NaN;
                if (b.TryGetProperty("Statistics", out var s) && s.ValueKind == JsonValueKind.Object)
                {
                    mean = s.TryGetProperty("Mean", out var mm) && mm.ValueKind == JsonValueKind.Number ? mm.GetDouble() : double.NaN;
                    se = s.TryGetProperty("StandardError", out var ss) && ss.ValueKind == JsonValueKind.Number ? ss.GetDouble() : double.NaN;
                }

                rows.Add([method, pars.Replace("&", " "), mean.ToString("G6", CultureInfo.InvariantCulture), se.ToString("G4", CultureInfo.InvariantCulture)]);
            }

            return Reduce(NameOf(path), Path.GetRelativePath(folder, path), ["Method", "Parameters", "Mean [ns]", "SE [ns]"], rows);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Parses BenchmarkDotNet's formatted numbers ("1,234.5 ns", "0.52", "1.00x"); NaN if none.</summary>
    public static double ParseNumber(string s)
    {
        var t = s.Trim().Replace(",", "", StringComparison.Ordinal);
        var end = 0;
        while (end < t.Length && (char.IsDigit(t[end]) || t[end] is '.' or '-' or '+' or 'e' or 'E'))
        {
            end++;
        }

        return end > 0 && double.TryParse(t[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
    }
}
