using System.Globalization;
using System.Text.Json.Nodes;

namespace EEArtifacts.Experiments.Verification;

/// <summary>
/// How results made in different numeric environments are compared, by kind of experiment (README,
/// "Reproduction check", has the measurements behind the numbers):
/// no-training values (gp-init, ntk-init, the theory cells of infinite-width) each within
/// <see cref="RelativeTolerance"/>; training values per configuration (cells that differ only by repeat), the
/// mean over repeats within <see cref="K"/> combined standard errors of the committed mean.
/// </summary>
public static class VerificationRules
{
    /// <summary>
    /// Relative tolerance on a no-training value across environments (relative to its column's largest magnitude in
    /// the file). The largest change measured from another numeric path: 3.0e-13 (gp-init, MKL_CBWR=COMPATIBLE vs
    /// AVX2 on the AMD build machine, whose AVX2 and AVX512 branches gave identical bits); an Intel host moved ntk-init
    /// by 1e-15 (issue 12). 1e-9 is 3,000 times the largest, far below any seed-to-seed effect.
    /// </summary>
    public const double RelativeTolerance = 1e-9;

    /// <summary>
    /// Training: how many combined standard errors a configuration's mean may move. A shift of 3 SE of the
    /// configuration on one side is 3/sqrt(2) = 2.1 combined SE (both sides' SEs similar), so k must stay below
    /// 2.1 to see it. Measured: regimes (quick) under MKL_CBWR=COMPATIBLE vs AVX512 moved a configuration's mean by at
    /// most 1.18 combined SE (median 0.02-0.04) over 800 changed comparisons.
    /// </summary>
    public const double K = 2.0;

    /// <summary>Uncertainty columns (_se, _sd) of a configuration without repeats: the two sides within this factor.</summary>
    public const double UncertaintyFactor = 2.0;

    /// <summary>Provenance fields that are settings, not environment: they must match whatever the machine.</summary>
    public static readonly IReadOnlySet<string> SettingFields = new HashSet<string>(StringComparer.Ordinal) { "profile" };

    /// <summary>The columns every results CSV starts with: identity, compared exactly.</summary>
    public static readonly IReadOnlySet<string> IdentityColumns = new HashSet<string>(StringComparer.Ordinal) { "experiment", "cell", "repeat", "seed" };

    // Configuration fields that distinguish repeats of one configuration (and the label that names them).
    private static readonly string[] RepeatFields = ["repeat", "label"];

    /// <summary>
    /// Whether a cell trains a network. gp-init and ntk-init only initialize; infinite-width's theory cells
    /// (width 0) compute the exact infinite-width ensemble; every other cell trains (a new experiment is judged
    /// statistically until it is listed here).
    /// </summary>
    public static bool Trains(string experiment, JsonNode? config) => experiment switch
    {
        "gp-init" or "ntk-init" => false,
        "infinite-width" => config?["width"]?.GetValue<int>() != 0,
        _ => true,
    };

    internal static IEnumerable<Difference> CompareAcrossEnvironments(string experiment, IReadOnlyList<CsvPair> files, IReadOnlyDictionary<string, JsonNode?> configs)
    {
        var differences = new List<Difference>();
        var training = new List<CsvPair>();
        foreach (CsvPair pair in files)
        {
            if (Trains(experiment, configs.GetValueOrDefault(pair.Stem)))
            {
                training.Add(pair);
            }
            else
            {
                differences.AddRange(CompareWithoutTraining($"{experiment}/{pair.File}", pair.Expected, pair.Actual));
            }
        }
        // Configurations: the cell's configuration without its repeat, per kind of file (rows, epochs).
        foreach (var group in training.GroupBy(p => (Configuration(configs.GetValueOrDefault(p.Stem)), Kind(p.File))))
        {
            differences.AddRange(CompareConfiguration(experiment, group.OrderBy(p => p.Stem, StringComparer.Ordinal).ToList()));
        }
        return differences;
    }

    private static string Configuration(JsonNode? config)
    {
        if (config is not JsonObject o)
        {
            return "";
        }
        var copy = (JsonObject)o.DeepClone();
        foreach (string field in RepeatFields)
        {
            copy.Remove(field);
        }
        return copy.ToJsonString();
    }

    private static string Kind(string file) => string.Join('.', Path.GetFileName(file).Split('.').Skip(1));

    private static IEnumerable<Difference> CompareWithoutTraining(string path, CsvFile e, CsvFile a)
    {
        foreach (var (_, where, ev, av) in ArtifactComparison.ValuesOf(path, e, a))
        {
            bool numeric = CsvFile.TryNumber(ev, out double x) & CsvFile.TryNumber(av, out double y);
            string column = where.Split(' ')[^1];
            if (!numeric || IdentityColumns.Contains(column))
            {
                yield return new Difference(path, "value", $"{where}: '{ev}' vs '{av}'", false);
                continue;
            }
            // Relative to the column's largest magnitude in the file: a value that cancels to near 0 moves by
            // rounding of its summands, not of itself.
            int col = e.Header.ToList().IndexOf(column);
            double scale = e.Rows.Select(r => CsvFile.TryNumber(r[col], out double v) && double.IsFinite(v) ? Math.Abs(v) : 0).Append(Math.Abs(y)).Max();
            double relative = !double.IsFinite(x) || !double.IsFinite(y) ? double.PositiveInfinity : Math.Abs(x - y) / scale;
            yield return new Difference(path, "value",
                $"{where}: {ev} vs {av} (change {Num(relative)} of the column's scale, tolerance {Num(RelativeTolerance)})", relative <= RelativeTolerance);
        }
    }

    // One configuration's cells (its repeats), one kind of file: every row position and column, mean over repeats.
    private static IEnumerable<Difference> CompareConfiguration(string experiment, IReadOnlyList<CsvPair> repeats)
    {
        CsvPair first = repeats[0];
        string path = $"{experiment}/{first.File}";
        string label = repeats.Count == 1 ? "" : $" (configuration of {repeats.Count} repeats, cells {string.Join(", ", repeats.Select(r => r.Stem[..4]))})";
        if (repeats.Any(r => r.Expected.Rows.Count != first.Expected.Rows.Count || !r.Expected.Header.SequenceEqual(first.Expected.Header)))
        {
            yield return new Difference(path, "structure", "repeats of one configuration have different rows" + label, false);
            yield break;
        }
        IReadOnlyList<string> header = first.Expected.Header;
        for (int row = 0; row < first.Expected.Rows.Count; row++)
        {
            for (int col = 0; col < header.Count; col++)
            {
                string[] ev = repeats.Select(r => r.Expected.Rows[row][col]).ToArray();
                string[] av = repeats.Select(r => r.Actual.Rows[row][col]).ToArray();
                if (ev.SequenceEqual(av))
                {
                    continue;
                }
                string where = $"row {row + 1} {header[col]}";
                if (IdentityColumns.Contains(header[col]) || !ev.Concat(av).All(t => CsvFile.TryNumber(t, out _)))
                {
                    int i = Enumerable.Range(0, ev.Length).First(i => ev[i] != av[i]);
                    yield return new Difference($"{experiment}/{repeats[i].File}", "value", $"{where}: '{ev[i]}' vs '{av[i]}'", false);
                    continue;
                }
                yield return CompareMeans(path, where + label, header, col, repeats, row, ev, av);
            }
        }
    }

    private static Difference CompareMeans(string path, string where, IReadOnlyList<string> header, int col, IReadOnlyList<CsvPair> repeats, int row, string[] ev, string[] av)
    {
        double[] e = ev.Select(Parse).ToArray(), a = av.Select(Parse).ToArray();
        double me = e.Average(), ma = a.Average();
        string means = $"mean {Num(me)} vs {Num(ma)}";
        if (!double.IsFinite(me) || !double.IsFinite(ma))
        {
            return new Difference(path, "value", $"{where}: {means}: not finite on one side", false);
        }
        double se;
        string seSource;
        if (e.Length >= 2)
        {
            se = Math.Sqrt(Square(StandardError(e)) + Square(StandardError(a)));
            seSource = $"SE from {e.Length} repeats";
        }
        else if (header.ToList().IndexOf(header[col] + "_se") is int seCol and >= 0
                 && CsvFile.TryNumber(repeats[0].Expected.Rows[row][seCol], out double see) && CsvFile.TryNumber(repeats[0].Actual.Rows[row][seCol], out double sea))
        {
            se = Math.Sqrt(see * see + sea * sea);
            seSource = $"SE from {header[col]}_se";
        }
        else if (header[col].EndsWith("_se", StringComparison.Ordinal) || header[col].EndsWith("_sd", StringComparison.Ordinal))
        {
            double ratio = Math.Max(Math.Abs(me), Math.Abs(ma)) / Math.Min(Math.Abs(me), Math.Abs(ma));
            return new Difference(path, "value", $"{where}: {means} (an uncertainty, one repeat: ratio {Num(ratio)}, at most {Num(UncertaintyFactor)})", ratio <= UncertaintyFactor);
        }
        else
        {
            return new Difference(path, "value", $"{where}: {means} (one repeat and no SE column: not checked statistically)", true);
        }
        double shift = Math.Abs(ma - me);
        double allowed = K * se + RelativeTolerance * Math.Max(Math.Abs(me), Math.Abs(ma));
        return new Difference(path, "value",
            $"{where}: {means}, shift {Num(shift)} = {Num(se > 0 ? shift / se : double.PositiveInfinity)} combined SE ({seSource}; at most {Num(K)})", shift <= allowed);
    }

    private static double Parse(string text) => CsvFile.TryNumber(text, out double v) ? v : double.NaN;

    private static double Square(double x) => x * x;

    private static double StandardError(double[] v)
    {
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1) / v.Length);
    }

    internal static string Num(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
