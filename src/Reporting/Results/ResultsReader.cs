using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EEArtifacts.Reporting.Results;

/// <summary>One finished cell, from cells/&lt;cell&gt;-&lt;hash&gt;.json and its .timing.json.</summary>
public sealed record CellInfo(
    int Index,
    string Hash,
    string? Seed,
    string Status,
    string ConfigJson,
    IReadOnlyDictionary<string, string> Provenance,
    double? WallSeconds);

/// <summary>Everything one experiment folder holds, read per docs/RESULTS.md.</summary>
public sealed record ExperimentResults
{
    public required string Name { get; init; }

    public required bool Exists { get; init; }

    public string? Claim { get; init; }

    public int? ExpectedCells { get; init; }

    public IReadOnlyList<CellInfo> Cells { get; init; } = [];

    /// <summary>All finished cells' rows, concatenated in cell order.</summary>
    public CsvTable Rows { get; init; } = CsvTable.Empty;

    /// <summary>All finished cells' per-epoch rows (empty when the experiment writes none).</summary>
    public CsvTable Epochs { get; init; } = CsvTable.Empty;

    /// <summary>What is missing or partial, each line naming the experiment.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Cells (4-digit indices) whose training diverged: finished, with NaN where a metric could not be computed.</summary>
    public IReadOnlyList<string> Diverged { get; init; } = [];

    /// <summary>Other experiments' results that this experiment's figures also draw (<see cref="Sections.ExperimentSection.FiguresAlsoRead"/>).</summary>
    public IReadOnlyDictionary<string, ExperimentResults> Others { get; init; } = new Dictionary<string, ExperimentResults>();

    public double TotalWallSeconds => Cells.Sum(c => c.WallSeconds ?? 0);

    public bool HasRows => Rows.Rows.Count > 0;
}

/// <summary>The whole results/&lt;profile&gt;/ folder.</summary>
public sealed class ResultsSet
{
    public required string Root { get; init; }

    public required string Profile { get; init; }

    public required IReadOnlyDictionary<string, ExperimentResults> Experiments { get; init; }

    public required BenchmarkResults Benchmarks { get; init; }

    public ExperimentResults Get(string name) =>
        Experiments.TryGetValue(name, out var e) ? e : new ExperimentResults { Name = name, Exists = false };

    public IEnumerable<string> Problems =>
        Experiments.Values.SelectMany(e => e.Problems).Concat(Benchmarks.Problems);
}

/// <summary>Reads a results folder. Never throws for missing or partial data (that is recorded as
/// problems); throws <see cref="ReportInputException"/> only when the folder itself is unusable.</summary>
public static partial class ResultsReader
{
    [GeneratedRegex(@"^(\d{4})-([0-9a-f]{12})\.json$")]
    private static partial Regex CellJson();

    [GeneratedRegex(@"^(\d{4})-([0-9a-f]{12})\.rows\.csv$")]
    private static partial Regex CellRows();

    public static ResultsSet Read(string root, IEnumerable<string> experiments)
    {
        if (!Directory.Exists(root))
        {
            throw new ReportInputException($"results folder does not exist: {root}");
        }

        var full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var dict = new SortedDictionary<string, ExperimentResults>(StringComparer.Ordinal);
        foreach (var name in experiments)
        {
            dict[name] = ReadExperiment(Path.Combine(full, name), name);
        }

        return new ResultsSet
        {
            Root = full,
            Profile = Path.GetFileName(full),
            Experiments = dict,
            Benchmarks = BenchmarkReader.Read(Path.Combine(full, "benchmarks")),
        };
    }

    public static ExperimentResults ReadExperiment(string folder, string name)
    {
        if (!Directory.Exists(folder))
        {
            return new ExperimentResults
            {
                Name = name,
                Exists = false,
                Problems = [$"{name}: no results (folder {name}/ is missing)"],
            };
        }

        var problems = new List<string>();
        string? claim = null;
        int? expected = null;
        var manifest = Path.Combine(folder, "experiment.json");
        if (File.Exists(manifest))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
                var root = doc.RootElement;
                claim = Str(root, "claim");
                expected = Int(root, "cells") ?? Int(root, "n_cells") ?? Int(root, "num_cells") ?? Int(root, "cell_count");
            }
            catch (JsonException e)
            {
                problems.Add($"{name}: experiment.json is not valid JSON ({e.Message.ReplaceLineEndings(" ")})"); // the message quotes the file
            }
        }
        else
        {
            problems.Add($"{name}: experiment.json is missing");
        }

        var cellsDir = Path.Combine(folder, "cells");
        var cells = new List<CellInfo>();
        var rowTables = new List<CsvTable>();
        var epochTables = new List<CsvTable>();
        var missingRows = new List<string>();
        var diverged = new List<string>();
        if (Directory.Exists(cellsDir))
        {
            var files = Directory.GetFiles(cellsDir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
            foreach (var file in files)
            {
                var m = CellJson().Match(file);
                if (!m.Success)
                {
                    continue;
                }

                var stem = Path.Combine(cellsDir, file[..^".json".Length]);
                var index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                CellInfo cell;
                try
                {
                    cell = ReadCell(stem + ".json", index, m.Groups[2].Value);
                }
                catch (Exception e) when (e is JsonException or IOException)
                {
                    problems.Add($"{name}: cell {index:D4} has an unreadable .json ({e.Message.ReplaceLineEndings(" ")})");
                    continue;
                }

                cells.Add(cell);
                if (string.Equals(cell.Status, "diverged", StringComparison.OrdinalIgnoreCase))
                {
                    diverged.Add($"{index:D4}"); // a result of the cell (docs/RESULTS.md), not missing data
                }
                else if (!string.Equals(cell.Status, "ok", StringComparison.OrdinalIgnoreCase) &&
                    !string.Equals(cell.Status, "done", StringComparison.OrdinalIgnoreCase) &&
                    !string.Equals(cell.Status, "finished", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{name}: cell {index:D4} has status '{cell.Status}'");
                }

                if (File.Exists(stem + ".rows.csv"))
                {
                    rowTables.Add(Checked(CsvTable.Read(stem + ".rows.csv"), name, index, "rows.csv", problems));
                }
                else
                {
                    missingRows.Add($"{index:D4}");
                }

                if (File.Exists(stem + ".epochs.csv"))
                {
                    epochTables.Add(Checked(CsvTable.Read(stem + ".epochs.csv"), name, index, "epochs.csv", problems));
                }
            }

            var finished = cells.Select(c => $"{c.Index:D4}-{c.Hash}").ToHashSet(StringComparer.Ordinal);
            var unfinished = files.Select(f => CellRows().Match(f)).Where(mm => mm.Success)
                .Select(mm => $"{mm.Groups[1].Value}-{mm.Groups[2].Value}")
                .Where(s => !finished.Contains(s)).Select(s => s[..4]).ToList();
            if (unfinished.Count > 0)
            {
                problems.Add($"{name}: {unfinished.Count} cell(s) have rows but no .json (unfinished, ignored): {string.Join(", ", unfinished)}");
            }
        }
        else
        {
            problems.Add($"{name}: cells/ folder is missing");
        }

        if (missingRows.Count > 0)
        {
            problems.Add($"{name}: rows.csv missing for cell(s) {string.Join(", ", missingRows)}");
        }

        if (expected is { } n && cells.Count < n)
        {
            var have = cells.Select(c => c.Index).ToHashSet();
            var absent = Enumerable.Range(0, n).Where(i => !have.Contains(i)).Select(i => i.ToString("D4", CultureInfo.InvariantCulture)).ToList();
            var shown = absent.Count > 12 ? string.Join(", ", absent.Take(12)) + ", ..." : string.Join(", ", absent);
            problems.Add($"{name}: partial, {cells.Count} of {n} cells finished (missing {shown})");
        }
        else if (cells.Count == 0 && Directory.Exists(cellsDir))
        {
            problems.Add($"{name}: no finished cells");
        }

        CsvTable rows = CsvTable.Empty, epochs = CsvTable.Empty;
        try
        {
            rows = CsvTable.Concat(rowTables);
        }
        catch (InvalidDataException e)
        {
            problems.Add($"{name}: rows.csv {e.Message}");
        }

        try
        {
            epochs = CsvTable.Concat(epochTables);
        }
        catch (InvalidDataException e)
        {
            problems.Add($"{name}: epochs.csv {e.Message}");
        }

        return new ExperimentResults
        {
            Name = name,
            Exists = true,
            Claim = claim,
            ExpectedCells = expected,
            Cells = cells,
            Rows = rows,
            Epochs = epochs,
            Problems = problems,
            Diverged = diverged,
        };
    }

    /// <summary>Drops rows whose field count differs from the header's (a field with a comma breaks the
    /// contract) and records them as a problem.</summary>
    private static CsvTable Checked(CsvTable table, string name, int index, string file, List<string> problems)
    {
        var bad = table.Rows.Count(r => r.Fields.Length != table.Header.Count);
        if (bad == 0)
        {
            return table;
        }

        problems.Add($"{name}: cell {index:D4} {file} has {bad} row(s) with a field count other than the header's {table.Header.Count} (dropped)");
        return new CsvTable(table.Header, table.Rows.Where(r => r.Fields.Length == table.Header.Count).Select(r => r.Fields).ToList());
    }

    private static CellInfo ReadCell(string path, int index, string hash)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var prov = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("provenance", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in p.EnumerateObject())
            {
                prov[prop.Name] = prop.Value.ValueKind == JsonValueKind.String ? prop.Value.GetString() ?? "" : prop.Value.GetRawText();
            }
        }

        var config = root.TryGetProperty("config", out var c) ? c.GetRawText() : "{}";
        var seed = root.TryGetProperty("seed", out var s) ? (s.ValueKind == JsonValueKind.String ? s.GetString() : s.GetRawText()) : null;
        double? wall = null;
        var timing = path[..^".json".Length] + ".timing.json";
        if (File.Exists(timing))
        {
            try
            {
                using var t = JsonDocument.Parse(File.ReadAllText(timing));
                wall = FindWall(t.RootElement);
            }
            catch (JsonException)
            {
                wall = null;
            }
        }

        return new CellInfo(index, hash, seed, Str(root, "status") ?? "unknown", config, prov, wall);
    }

    /// <summary>Wall time in seconds: the first numeric property whose name mentions "wall" (seconds, or
    /// milliseconds when the name ends in _ms).</summary>
    private static double? FindWall(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var prop in e.EnumerateObject())
        {
            if (prop.Name.Contains("wall", StringComparison.OrdinalIgnoreCase) && prop.Value.ValueKind == JsonValueKind.Number)
            {
                var v = prop.Value.GetDouble();
                return prop.Name.EndsWith("_ms", StringComparison.OrdinalIgnoreCase) ? v / 1000 : v;
            }
        }

        foreach (var prop in e.EnumerateObject())
        {
            if (prop.Value.ValueKind == JsonValueKind.Object && FindWall(prop.Value) is { } w)
            {
                return w;
            }
        }

        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()
            : null;

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
            ? i
            : null;
}

/// <summary>Bad input: the message is one line for the user.</summary>
public sealed class ReportInputException(string message) : Exception(message);
