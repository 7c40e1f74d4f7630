using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EEArtifacts.Experiments.Verification;

/// <summary>One difference between a committed artifact and a regenerated one.</summary>
/// <param name="Path">The artifact, relative to the compared folder.</param>
/// <param name="Kind">missing, extra, bytes, value, structure, provenance, environment or claim.</param>
/// <param name="Detail">What differs, for people.</param>
/// <param name="Tolerated">True when the difference is within the stated tolerance (not a mismatch).</param>
public sealed record Difference(string Path, string Kind, string Detail, bool Tolerated);

/// <summary>The differences of a results comparison and whether every compared experiment shared one numeric environment.</summary>
/// <param name="Differences">Every difference found.</param>
/// <param name="SameEnvironment">True when every cell's provenance matched apart from the commit (bytes were required).</param>
public sealed record ResultsComparison(IReadOnlyList<Difference> Differences, bool SameEnvironment);

/// <summary>
/// Compares committed results with regenerated ones, per experiment. When every cell's provenance matches apart
/// from the commit (same numeric environment, library versions and settings), every file must be byte-identical.
/// Otherwise values are compared by kind (<see cref="VerificationRules"/>): no-training values within
/// <see cref="VerificationRules.RelativeTolerance"/>; training values per configuration, the mean over repeats
/// within <see cref="VerificationRules.K"/> combined standard errors. Timing files are not compared.
/// </summary>
public static class ArtifactComparison
{
    /// <summary>The experiments present in a results folder (benchmarks excluded).</summary>
    public static IReadOnlyList<string> ExperimentsIn(string results) =>
        Directory.EnumerateDirectories(results).Select(Path.GetFileName).OfType<string>().Where(n => n != "benchmarks").Order(StringComparer.Ordinal).ToList();

    /// <summary>Compares the results folder of one profile.</summary>
    /// <param name="expected">The committed results of a profile.</param>
    /// <param name="actual">The regenerated one.</param>
    /// <param name="experiments">Restrict to these experiments (empty: every one found in <paramref name="expected"/>).</param>
    public static ResultsComparison CompareResults(string expected, string actual, IReadOnlyCollection<string> experiments)
    {
        var differences = new List<Difference>();
        bool same = true;
        foreach (string name in experiments.Count > 0 ? experiments : ExperimentsIn(expected))
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
            same &= CompareExperiment(name, e, a, differences);
        }
        return new ResultsComparison(differences, same);
    }

    /// <summary>Compares two folders byte by byte.</summary>
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

    /// <summary>Compares two folders by the names of the files they hold (a report across environments: figures present).</summary>
    public static IReadOnlyList<Difference> CompareFileNames(string expected, string actual, string label)
    {
        var e = Files(expected);
        var a = Files(actual);
        return e.Keys.Except(a.Keys).Select(f => new Difference($"{label}/{f}", "missing", "not regenerated", false))
            .Concat(a.Keys.Except(e.Keys).Select(f => new Difference($"{label}/{f}", "extra", "regenerated but not committed", false)))
            .OrderBy(d => d.Path, StringComparer.Ordinal).ToList();
    }

    private static Dictionary<string, string> Files(string folder) => !Directory.Exists(folder)
        ? new Dictionary<string, string>()
        : Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), f => f);

    // Returns whether the experiment's cells share the committed numeric environment.
    private static bool CompareExperiment(string name, string expected, string actual, List<Difference> differences)
    {
        var e = Files(expected).Where(kv => Compared(kv.Key)).ToDictionary();
        var a = Files(actual).Where(kv => Compared(kv.Key)).ToDictionary();
        foreach (string file in e.Keys.Except(a.Keys).Order(StringComparer.Ordinal))
        {
            differences.Add(new Difference($"{name}/{file}", "missing", "cell not regenerated (or its configuration changed)", false));
        }
        foreach (string file in a.Keys.Except(e.Keys).Order(StringComparer.Ordinal))
        {
            differences.Add(new Difference($"{name}/{file}", "extra", "regenerated cell not in the committed results", false));
        }
        var both = e.Keys.Intersect(a.Keys).Order(StringComparer.Ordinal).ToList();

        var records = new Dictionary<string, (JsonObject Expected, JsonObject Actual)>(StringComparer.Ordinal);
        foreach (string file in both.Where(IsCellRecord))
        {
            JsonObject? er = ParseObject(e[file]), ar = ParseObject(a[file]);
            if (er is null || ar is null)
            {
                differences.Add(new Difference($"{name}/{file}", "structure", $"not a JSON object ({(er is null ? "committed" : "regenerated")} file)", false));
                continue;
            }
            if (!JsonNode.DeepEquals(WithoutProvenance(er), WithoutProvenance(ar)))
            {
                differences.Add(new Difference($"{name}/{file}", "structure", "cell record differs (configuration, seed or status)", false));
            }
            records[Stem(file)] = (er, ar);
        }
        bool same = CompareProvenance(name, records, differences);

        var csvs = new List<CsvPair>();
        foreach (string file in both.Where(f => !IsCellRecord(f)))
        {
            byte[] eb = File.ReadAllBytes(e[file]), ab = File.ReadAllBytes(a[file]);
            if (same && eb.AsSpan().SequenceEqual(ab))
            {
                continue;
            }
            if (!file.EndsWith(".csv", StringComparison.Ordinal))
            {
                if (!eb.AsSpan().SequenceEqual(ab))
                {
                    differences.Add(new Difference($"{name}/{file}", "bytes", "content differs", false));
                }
                continue;
            }
            CsvFile? ec = CsvFile.Read(e[file], out string? eProblem), ac = CsvFile.Read(a[file], out string? aProblem);
            if (ec is null || ac is null)
            {
                differences.Add(new Difference($"{name}/{file}", "structure", (eProblem is not null ? "committed: " + eProblem : "regenerated: " + aProblem)!, false));
                continue;
            }
            if (!ec.Header.SequenceEqual(ac.Header) || ec.Rows.Count != ac.Rows.Count)
            {
                differences.Add(new Difference($"{name}/{file}", "structure", "different columns or number of rows", false));
                continue;
            }
            if (same)
            {
                differences.AddRange(ValuesOf($"{name}/{file}", ec, ac).Select(v =>
                    new Difference(v.Path, "value", $"{v.Where}: {v.Expected} vs {v.Actual}; same numeric environment, so bytes must match", false)));
            }
            else
            {
                csvs.Add(new CsvPair(file, Stem(file), ec, ac));
            }
        }
        if (!same)
        {
            differences.AddRange(VerificationRules.CompareAcrossEnvironments(name, csvs,
                records.ToDictionary(kv => kv.Key, kv => kv.Value.Expected["config"], StringComparer.Ordinal)));
        }
        return same;
    }

    // Every cell's provenance must agree (apart from the commit) within each side, the fields that are not part of
    // the environment (profile) must agree across sides, and the key sets must be equal. A committed provenance
    // that differs from the regenerated one in an environment field makes the comparison cross-environment (listed,
    // tolerated): a flipped byte there cannot be told from another machine, and the values are then checked by
    // the cross-environment rules, which a wrong environment record cannot loosen beyond them.
    private static bool CompareProvenance(string name, Dictionary<string, (JsonObject Expected, JsonObject Actual)> records, List<Difference> differences)
    {
        if (records.Count == 0)
        {
            return true;
        }
        var fieldsThatDiffer = new SortedDictionary<string, string>(StringComparer.Ordinal);
        bool consistent = true;
        var fieldSets = new List<string>();
        JsonObject? firstExpected = null, firstActual = null;
        string firstStem = "";
        foreach (var (stem, (er, ar)) in records.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            JsonObject ep = Environment(er), ap = Environment(ar);
            if (firstExpected is null)
            {
                (firstExpected, firstActual, firstStem) = (ep, ap, stem);
            }
            foreach (var (side, first, p) in new[] { ("committed", firstExpected, ep), ("regenerated", firstActual!, ap) })
            {
                if (!JsonNode.DeepEquals(first, p))
                {
                    consistent = false;
                    differences.Add(new Difference($"{name}/cells/{stem}.json", "provenance",
                        $"{side} provenance differs from cell {firstStem}'s ({Describe(first, p)}); one results set comes from one environment", false));
                }
            }
            var keys = ep.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
            if (!keys.SetEquals(ap.Select(kv => kv.Key)))
            {
                consistent = false;
                fieldSets.Add(stem);
                continue;
            }
            foreach (string key in keys)
            {
                if (JsonNode.DeepEquals(ep[key], ap[key]))
                {
                    continue;
                }
                if (VerificationRules.SettingFields.Contains(key))
                {
                    consistent = false;
                    differences.Add(new Difference($"{name}/cells/{stem}.json", "provenance", $"{key}: {ep[key]?.ToJsonString()} vs {ap[key]?.ToJsonString()} (a setting, not the environment)", false));
                }
                else
                {
                    fieldsThatDiffer[key] = $"{ep[key]?.ToJsonString()} vs {ap[key]?.ToJsonString()}";
                }
            }
        }
        if (fieldSets.Count > 0)
        {
            var (ep, ap) = (Environment(records[fieldSets[0]].Expected), Environment(records[fieldSets[0]].Actual));
            differences.Add(new Difference($"{name}/cells/{fieldSets[0]}.json", "provenance",
                $"provenance fields differ in {fieldSets.Count} cell(s): committed lacks {Except(ap, ep)}, regenerated lacks {Except(ep, ap)} " +
                "(references from another version of the code: refresh them with dotnet cake --target=References)", false));
        }
        if (fieldsThatDiffer.Count > 0)
        {
            differences.Add(new Difference($"{name}/cells", "environment",
                "numeric environment differs (" + string.Join("; ", fieldsThatDiffer.Select(kv => $"{kv.Key}: {kv.Value}")) + "): values compared by the cross-environment rules, not bytes", true));
        }
        return consistent && fieldsThatDiffer.Count == 0;
    }

    private static string Except(JsonObject a, JsonObject b)
    {
        var missing = a.Select(kv => kv.Key).Except(b.Select(kv => kv.Key)).Order(StringComparer.Ordinal).ToList();
        return missing.Count == 0 ? "nothing" : string.Join(", ", missing);
    }

    private static string Describe(JsonObject a, JsonObject b) => string.Join("; ",
        a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key)).Where(k => !JsonNode.DeepEquals(a[k], b[k]))
            .Select(k => $"{k}: {a[k]?.ToJsonString() ?? "absent"} vs {b[k]?.ToJsonString() ?? "absent"}"));

    // The provenance apart from the commit.
    private static JsonObject Environment(JsonObject record)
    {
        var p = record["provenance"] is JsonObject o ? (JsonObject)o.DeepClone() : new JsonObject();
        p.Remove(Runner.Provenance.CommitField);
        return p;
    }

    private static JsonObject WithoutProvenance(JsonObject record)
    {
        var copy = (JsonObject)record.DeepClone();
        copy.Remove("provenance");
        return copy;
    }

    private static JsonObject? ParseObject(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Timing files are the only non-deterministic results.
    private static bool Compared(string relative) => !relative.EndsWith(".timing.json", StringComparison.Ordinal);

    private static bool IsCellRecord(string relative) => relative.StartsWith("cells" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        && relative.EndsWith(".json", StringComparison.Ordinal) && Path.GetFileName(relative).Count(c => c == '.') == 1;

    // "cells/0007-0123456789ab.rows.csv" -> "0007-0123456789ab".
    private static string Stem(string relative) => Path.GetFileName(relative).Split('.')[0];

    /// <summary>Every field that differs between two CSV files of equal shape.</summary>
    internal static IEnumerable<(string Path, string Where, string Expected, string Actual)> ValuesOf(string path, CsvFile e, CsvFile a)
    {
        for (int row = 0; row < e.Rows.Count; row++)
        {
            for (int col = 0; col < e.Header.Count; col++)
            {
                if (e.Rows[row][col] != a.Rows[row][col])
                {
                    yield return (path, $"row {row + 1} {e.Header[col]}", e.Rows[row][col], a.Rows[row][col]);
                }
            }
        }
    }
}

/// <summary>One CSV file of a cell on both sides.</summary>
internal sealed record CsvPair(string File, string Stem, CsvFile Expected, CsvFile Actual);

/// <summary>A results CSV (docs/RESULTS.md: no quoting), checked for a consistent field count.</summary>
internal sealed record CsvFile(IReadOnlyList<string> Header, IReadOnlyList<string[]> Rows)
{
    public static CsvFile? Read(string path, out string? problem)
    {
        string[] lines = File.ReadAllLines(path);
        problem = null;
        if (lines.Length == 0)
        {
            problem = $"{path} is empty";
            return null;
        }
        string[] header = lines[0].Split(',');
        var rows = new List<string[]>(lines.Length - 1);
        for (int i = 1; i < lines.Length; i++)
        {
            string[] fields = lines[i].Split(',');
            if (fields.Length != header.Length)
            {
                problem = $"{path} line {i + 1} has {fields.Length} fields, its header {header.Length}";
                return null;
            }
            rows.Add(fields);
        }
        return new CsvFile(header, rows);
    }

    public static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
