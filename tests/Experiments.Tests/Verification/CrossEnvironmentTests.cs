using System.Globalization;
using System.Text.Json.Nodes;
using EEArtifacts.Experiments.Tests.Cli;
using EEArtifacts.Experiments.Verification;

namespace EEArtifacts.Experiments.Tests.Verification;

/// <summary>
/// Verify across numeric environments on one machine: the smoke profile run twice as real processes, under
/// oneMKL's AVX2 branch with ATen's avx2 kernels and under the AVX512 branch with libtorch's own choice. Verify
/// passes, and fails on a planted 3-SE shift of one training configuration and on a no-training value moved
/// beyond the relative tolerance. (Verdict flips are covered on claims tables in ArtifactComparisonTests.)
/// </summary>
public sealed class CrossEnvironmentTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-crossenv-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string RunSmoke(string name, Dictionary<string, string> environment)
    {
        string folder = Path.Combine(_root, name);
        var (code, _, err) = CliProcess.Run(environment,
            "run", "--profile", "smoke", "--only", "ntk-init,regimes", "--device", "cpu", "--threads", "1", "--out", folder);
        Assert.True(code == 0, err);
        return Path.Combine(folder, "smoke");
    }

    private static (int Code, string Out) Verify(string expected, string actual)
    {
        var (code, output, err) = CliProcess.Run("verify", "--expected", expected, "--actual", actual);
        return (code, output + err);
    }

    private static void CopyTree(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    // Replaces one field of a rows file (row 1, the named column) by f(old value).
    private static void Edit(string rowsFile, string column, Func<double, double> change)
    {
        string[] lines = File.ReadAllLines(rowsFile);
        int col = Array.IndexOf(lines[0].Split(','), column);
        string[] fields = lines[1].Split(',');
        fields[col] = change(double.Parse(fields[col], CultureInfo.InvariantCulture)).ToString("R", CultureInfo.InvariantCulture);
        lines[1] = string.Join(',', fields);
        File.WriteAllText(rowsFile, string.Join('\n', lines) + "\n");
    }

    private static double Value(string rowsFile, string column)
    {
        string[] lines = File.ReadAllLines(rowsFile);
        return double.Parse(lines[1].Split(',')[Array.IndexOf(lines[0].Split(','), column)], CultureInfo.InvariantCulture);
    }

    [Fact]
    public void VerifyPassesAcrossNumericPathsAndFailsOnPlantedChanges()
    {
        string expected = RunSmoke("avx2", new() { ["MKL_CBWR"] = "AVX2", ["ATEN_CPU_CAPABILITY"] = "avx2" });
        string actual = RunSmoke("avx512", new() { ["MKL_CBWR"] = "AVX512" });

        var (code, output) = Verify(expected, actual);
        Assert.True(code == 0, output);
        Assert.Contains("numeric environment differs", output);

        // A training configuration (the first cell's two repeats) moved by 3 of its SEs on both repeats.
        string shifted = Path.Combine(_root, "shifted");
        CopyTree(actual, shifted);
        string cells = Path.Combine(expected, "regimes", "cells");
        string Config(string json)
        {
            var node = (JsonObject)JsonNode.Parse(File.ReadAllText(json))!["config"]!.DeepClone();
            node.Remove("repeat");
            node.Remove("label");
            return node.ToJsonString();
        }
        var records = Directory.GetFiles(cells, "*.json").Where(f => !f.EndsWith(".timing.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var repeats = records.Where(r => Config(r) == Config(records[0])).Select(r => Path.GetFileName(r)[..^".json".Length]).ToList();
        Assert.Equal(2, repeats.Count);
        double[] loss = repeats.Select(s => Value(Path.Combine(cells, s + ".rows.csv"), "ens_test_loss")).ToArray();
        double se = Math.Abs(loss[0] - loss[1]) / 2; // sd / sqrt(2) for two values
        Assert.True(se > 0);
        foreach (string stem in repeats)
        {
            Edit(Path.Combine(shifted, "regimes", "cells", stem + ".rows.csv"), "ens_test_loss", v => v + 3 * se);
        }
        (code, output) = Verify(expected, shifted);
        Assert.True(code == 1, output);
        Assert.Contains("MISMATCH  regimes/cells/" + repeats[0] + ".rows.csv", output);

        // A no-training value moved by 100 times the relative tolerance.
        string moved = Path.Combine(_root, "moved");
        CopyTree(actual, moved);
        string ntk = Directory.GetFiles(Path.Combine(moved, "ntk-init", "cells"), "*.rows.csv").Order(StringComparer.Ordinal).First();
        Edit(ntk, "rel_err_com", v => v * (1 + 100 * VerificationRules.RelativeTolerance));
        (code, output) = Verify(expected, moved);
        Assert.True(code == 1, output);
        Assert.Contains("MISMATCH  ntk-init/cells/" + Path.GetFileName(ntk), output);
    }

    [Fact]
    public void VerifyOnlyWithAnUnknownExperimentIsBadInput()
    {
        Directory.CreateDirectory(Path.Combine(_root, "e", "gp-init"));
        var (code, _, err) = CliProcess.Run("verify", "--expected", Path.Combine(_root, "e"), "--actual", Path.Combine(_root, "e"), "--only", "nosuch");
        Assert.Equal(2, code);
        Assert.Contains("nosuch", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
