using System.Text;

namespace EEArtifacts.Experiments.Verification;

/// <summary>
/// Compares two reports' claims tables (claims.csv: id, verdict, value, claim, statistic, uncertainty,
/// uncertainty_kind, n): the same claims, every verdict identical, and every statistic inside the combined
/// uncertainty of the two (or within <see cref="VerificationRules.RelativeTolerance"/> when both are exact).
/// </summary>
public static class ClaimsComparison
{
    /// <summary>The claims table's file name in a report folder.</summary>
    public const string FileName = "claims.csv";

    /// <summary>Compares <paramref name="expected"/> with <paramref name="actual"/> (claims.csv files).</summary>
    public static IReadOnlyList<Difference> Compare(string expected, string actual, string label)
    {
        string path = $"{label}/{FileName}";
        if (!File.Exists(expected) || !File.Exists(actual))
        {
            return [new Difference(path, "missing", $"{(File.Exists(expected) ? "regenerated" : "committed")} report has no {FileName}", false)];
        }
        var e = Read(expected, out string? eProblem);
        var a = Read(actual, out string? aProblem);
        if (e is null || a is null)
        {
            return [new Difference(path, "structure", (eProblem ?? aProblem)!, false)];
        }
        var differences = new List<Difference>();
        foreach (string id in e.Keys.Except(a.Keys).Order(StringComparer.Ordinal))
        {
            differences.Add(new Difference(path, "claim", $"{id}: not in the regenerated report", false));
        }
        foreach (string id in a.Keys.Except(e.Keys).Order(StringComparer.Ordinal))
        {
            differences.Add(new Difference(path, "claim", $"{id}: not in the committed report", false));
        }
        foreach (string id in e.Keys.Intersect(a.Keys).Order(StringComparer.Ordinal))
        {
            Claim ec = e[id], ac = a[id];
            if (ec.Verdict != ac.Verdict)
            {
                differences.Add(new Difference(path, "claim", $"{id}: verdict {ec.Verdict} vs {ac.Verdict}", false));
                continue;
            }
            if (ec.Statistic == ac.Statistic)
            {
                continue;
            }
            if (!CsvFile.TryNumber(ec.Statistic, out double es) || !CsvFile.TryNumber(ac.Statistic, out double ast))
            {
                differences.Add(new Difference(path, "claim", $"{id}: statistic '{ec.Statistic}' vs '{ac.Statistic}'", false));
                continue;
            }
            double eu = CsvFile.TryNumber(ec.Uncertainty, out double x) && double.IsFinite(x) ? x : 0;
            double au = CsvFile.TryNumber(ac.Uncertainty, out double y) && double.IsFinite(y) ? y : 0;
            double combined = Math.Sqrt(eu * eu + au * au);
            double shift = Math.Abs(ast - es);
            bool within = shift <= combined + VerificationRules.RelativeTolerance * Math.Max(Math.Abs(es), Math.Abs(ast));
            differences.Add(new Difference(path, "claim",
                $"{id}: statistic {VerificationRules.Num(es)} vs {VerificationRules.Num(ast)}, shift {VerificationRules.Num(shift)}, combined uncertainty {VerificationRules.Num(combined)}", within));
        }
        return differences;
    }

    private sealed record Claim(string Verdict, string Statistic, string Uncertainty);

    private static Dictionary<string, Claim>? Read(string path, out string? problem)
    {
        problem = null;
        List<string[]> records = Parse(File.ReadAllText(path));
        if (records.Count == 0)
        {
            problem = $"{path} is empty";
            return null;
        }
        string[] header = records[0];
        int Column(string name) => Array.IndexOf(header, name);
        int id = Column("id"), verdict = Column("verdict"), statistic = Column("statistic"), uncertainty = Column("uncertainty");
        if (id < 0 || verdict < 0 || statistic < 0 || uncertainty < 0)
        {
            problem = $"{path} lacks one of the columns id, verdict, statistic, uncertainty (a report from before they were written: re-render it)";
            return null;
        }
        var claims = new Dictionary<string, Claim>(StringComparer.Ordinal);
        for (int i = 1; i < records.Count; i++)
        {
            string[] r = records[i];
            if (r.Length != header.Length)
            {
                problem = $"{path} record {i + 1} has {r.Length} fields, its header {header.Length}";
                return null;
            }
            claims[r[id]] = new Claim(r[verdict], r[statistic], r[uncertainty]);
        }
        return claims;
    }

    // RFC 4180: fields optionally in double quotes, "" inside quotes is a quote, records end at a newline outside quotes.
    private static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add(fields.ToArray());
                fields.Clear();
            }
            else if (c != '\r') field.Append(c);
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields.ToArray());
        }
        return records;
    }
}
