using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EEArtifacts.Experiments.Verification;

/// <summary>One difference between a committed artifact and a regenerated one.</summary>
/// <param name="Path">The artifact, relative to the compared folder.</param>
/// <param name="Kind">missing, extra, bytes, value or structure.</param>
/// <param name="Detail">What differs, for people.</param>
/// <param name="Tolerated">True when the difference is within the stated tolerance (not a mismatch).</param>
public sealed record Difference(string Path, string Kind, string Detail, bool Tolerated);

/// <summary>
/// Compares committed artifacts (results and report) with regenerated ones. When a cell was regenerated with the
/// same settings (its provenance matches apart from the commit: device, threads, OS, library versions, MKL path),
/// its files must be byte-identical. Otherwise numeric columns may differ by at most
/// <see cref="ToleranceInSpreads"/> times the column's spread across the committed cells of the experiment (the
/// seed-to-seed variation: a smaller change cannot alter any conclusion). Timing files are not compared.
/// </summary>
public static class ArtifactComparison
{
    /// <summary>The tolerance on a numeric value, in standard deviations of its column across committed cells.</summary>
    public const double ToleranceInSpreads = 0.25;

    /// <summary>Compares the results folder of one profile, file by file.</summary>
    /// <param name="expected">The committed results/&lt;profile&gt;.</param>
    /// <param name="actual">The regenerated one.</param>
    /// <param name="experiments">Restrict to these experiments (empty: every one found in <paramref name="expected"/>).</param>
    public static IReadOnlyList<Difference> CompareResults(string expected, string actual, IReadOnlyCollection<string> experiments)
    {
        var differences = new List<Difference>();
        IEnumerable<string> names = experiments.Count > 0
            ? experiments
            : Directory.EnumerateDirectories(expected).Select(Path.GetFileName).OfType<string>().Where(n => n != "benchmarks").Order(StringComparer.Ordinal);
        foreach (string name in names)
        {
            string e = Path.Combine(expected, name), a = Path.Combine(actual, name);
            if (!Directory.Exists(e))
            {
                differences.Add(new Difference(name, "missing", "no committed results for this experiment", false));
                continue;
            }
            if (!Directory.Exists(a))
            {
                differences.Add(new Difference(name, "missing", "the regenerated run produced no results for this experiment", false));
                continue;
            }
            differences.AddRange(CompareExperiment(name, e, a));
        }
        return differences;
    }

    /// <summary>Compares two report folders byte by byte (the report is deterministic given its inputs).</summary>
    public static IReadOnlyList<Difference> CompareFiles(string expected, string actual, string label)
    {
        var differences = new List<Difference>();
        var e = Files(expected);
        var a = Files(actual);
        foreach (string file in e.Keys.Union(a.Keys).Order(StringComparer.Ordinal))
        {
            string path = $"{label}/{file}";
            if (!a.ContainsKey(file)) differences.Add(new Difference(path, "missing", "not regenerated", false));
            else if (!e.ContainsKey(file)) differences.Add(new Difference(path, "extra", "regenerated but not committed", false));
            else if (!File.ReadAllBytes(e[file]).AsSpan().SequenceEqual(File.ReadAllBytes(a[file]))) differences.Add(new Difference(path, "bytes", "content differs", false));
        }
        return differences;
    }

    private static Dictionary<string, string> Files(string folder) => !Directory.Exists(folder)
        ? new Dictionary<string, string>()
        : Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), f => f);

    private static IEnumerable<Difference> CompareExperiment(string name, string expected, string actual)
    {
        var e = Files(expected).Where(kv => Compared(kv.Key)).ToDictionary();
        var a = Files(actual).Where(kv => Compared(kv.Key)).ToDictionary();
        Dictionary<string, double> spreads = ColumnSpreads(e.Keys.Where(k => k.EndsWith(".csv", StringComparison.Ordinal)).Select(k => e[k]));
        bool SameSettings(string file)
        {
            string record = Path.Combine("cells", Path.GetFileName(file).Split('.')[0] + ".json");
            return e.TryGetValue(record, out string? er) && a.TryGetValue(record, out string? ar) && ProvenanceMatches(er, ar);
        }
        foreach (string file in e.Keys.Union(a.Keys).Order(StringComparer.Ordinal))
        {
            string path = $"{name}/{file}";
            if (!a.TryGetValue(file, out string? actualFile))
            {
                yield return new Difference(path, "missing", "cell not regenerated (or its configuration changed)", false);
                continue;
            }
            if (!e.TryGetValue(file, out string? expectedFile))
            {
                yield return new Difference(path, "extra", "regenerated cell not in the committed results", false);
                continue;
            }
            byte[] eb = File.ReadAllBytes(expectedFile), ab = File.ReadAllBytes(actualFile);
            if (eb.AsSpan().SequenceEqual(ab))
            {
                continue;
            }
            if (file.EndsWith(".csv", StringComparison.Ordinal))
            {
                bool strict = SameSettings(file);
                foreach (Difference d in CompareCsv(path, File.ReadAllLines(expectedFile), File.ReadAllLines(actualFile), spreads))
                {
                    yield return strict ? d with { Tolerated = false, Detail = d.Detail + "; same settings, so bytes must match" } : d;
                }
            }
            else if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                if (!JsonEqualIgnoringProvenance(eb, ab))
                {
                    yield return new Difference(path, "structure", "cell record differs (configuration, seed or status)", false);
                }
            }
            else
            {
                yield return new Difference(path, "bytes", "content differs", false);
            }
        }
    }

    // Timing files are the only non-deterministic results; provenance is compared apart from its commit.
    private static bool Compared(string relative) => !relative.EndsWith(".timing.json", StringComparison.Ordinal);

    // The settings that decide bit-reproducibility: everything in the provenance except the commit.
    private static bool ProvenanceMatches(string expectedRecord, string actualRecord)
    {
        try
        {
            JsonNode? e = JsonNode.Parse(File.ReadAllText(expectedRecord))?["provenance"]?.DeepClone();
            JsonNode? a = JsonNode.Parse(File.ReadAllText(actualRecord))?["provenance"]?.DeepClone();
            if (e is not JsonObject eo || a is not JsonObject ao)
            {
                return false;
            }
            eo.Remove("git_commit");
            ao.Remove("git_commit");
            return JsonNode.DeepEquals(eo, ao);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool JsonEqualIgnoringProvenance(byte[] expected, byte[] actual)
    {
        try
        {
            JsonNode? e = JsonNode.Parse(expected), a = JsonNode.Parse(actual);
            if (e is JsonObject eo && a is JsonObject ao)
            {
                eo.Remove("provenance");
                ao.Remove("provenance");
            }
            return JsonNode.DeepEquals(e, a);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Dictionary<string, double> ColumnSpreads(IEnumerable<string> csvFiles)
    {
        var values = new Dictionary<string, List<double>>();
        foreach (string file in csvFiles)
        {
            string[] lines = File.ReadAllLines(file);
            if (lines.Length == 0) continue;
            string[] header = lines[0].Split(',');
            foreach (string line in lines.Skip(1))
            {
                string[] cells = line.Split(',');
                for (int i = 0; i < Math.Min(header.Length, cells.Length); i++)
                {
                    if (double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
                    {
                        (values.TryGetValue(header[i], out var list) ? list : values[header[i]] = new List<double>()).Add(v);
                    }
                }
            }
        }
        return values.ToDictionary(kv => kv.Key, kv => StandardDeviation(kv.Value));
    }

    private static double StandardDeviation(List<double> v)
    {
        if (v.Count < 2) return 0;
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
    }

    private static IEnumerable<Difference> CompareCsv(string path, string[] expected, string[] actual, Dictionary<string, double> spreads)
    {
        if (expected.Length == 0 || actual.Length == 0 || expected[0] != actual[0] || expected.Length != actual.Length)
        {
            yield return new Difference(path, "structure", "different columns or number of rows", false);
            yield break;
        }
        string[] header = expected[0].Split(',');
        for (int row = 1; row < expected.Length; row++)
        {
            string[] e = expected[row].Split(','), a = actual[row].Split(',');
            for (int col = 0; col < header.Length; col++)
            {
                if (e[col] == a[col]) continue;
                bool numeric = double.TryParse(e[col], NumberStyles.Float, CultureInfo.InvariantCulture, out double ev)
                             & double.TryParse(a[col], NumberStyles.Float, CultureInfo.InvariantCulture, out double av);
                if (!numeric)
                {
                    yield return new Difference(path, "value", $"row {row} {header[col]}: '{e[col]}' vs '{a[col]}'", false);
                    continue;
                }
                double tolerance = ToleranceInSpreads * spreads.GetValueOrDefault(header[col]) + 1e-12 * Math.Abs(ev);
                bool within = Math.Abs(ev - av) <= tolerance;
                yield return new Difference(path, "value",
                    $"row {row} {header[col]}: {e[col]} vs {a[col]} (tolerance {tolerance.ToString("G3", CultureInfo.InvariantCulture)})", within);
            }
        }
    }
}
