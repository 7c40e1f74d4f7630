using System.CommandLine;
using EEArtifacts.Experiments.Runner;
using EEArtifacts.Experiments.Verification;

namespace EEArtifacts.Experiments.Cli;

/// <summary>`verify`: compares regenerated artifacts with the committed ones and names every difference.</summary>
public static class VerifyCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var expected = new Option<string>("--expected") { Description = "committed results of a profile, e.g. results/quick", Required = true };
        var actual = new Option<string>("--actual") { Description = "regenerated results of the same profile", Required = true };
        var expectedReport = new Option<string?>("--expected-report") { Description = "committed report folder, e.g. paper/quick" };
        var actualReport = new Option<string?>("--actual-report") { Description = "regenerated report folder" };
        var only = new Option<string[]>("--only") { Description = "compare only these experiments", AllowMultipleArgumentsPerToken = true };
        var command = new Command("verify", "Compares regenerated results (and report) with committed ones; exit 1 on a real mismatch.")
        {
            expected, actual, expectedReport, actualReport, only,
        };
        command.SetAction(result => ExperimentsCli.Guard(stderr, () =>
        {
            string e = result.GetValue(expected)!, a = result.GetValue(actual)!;
            foreach (string folder in new[] { e, a })
            {
                if (!Directory.Exists(folder)) throw new UsageException($"results folder '{folder}' does not exist");
            }
            var names = (result.GetValue(only) ?? Array.Empty<string>()).SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
            var differences = ArtifactComparison.CompareResults(e, a, names).ToList();
            string? er = result.GetValue(expectedReport), ar = result.GetValue(actualReport);
            if (er is not null && ar is not null)
            {
                differences.AddRange(ArtifactComparison.CompareFiles(er, ar, "report"));
            }
            return Summarize(differences, stdout);
        }));
        return command;
    }

    /// <summary>Prints a per-experiment, per-file summary and returns the exit code.</summary>
    public static int Summarize(IReadOnlyList<Difference> differences, TextWriter stdout)
    {
        foreach (var group in differences.GroupBy(d => d.Path.Split('/')[0]))
        {
            int real = group.Count(d => !d.Tolerated);
            stdout.WriteLine($"{group.Key}: {real} mismatch(es), {group.Count() - real} tolerated difference(s)");
            foreach (var file in group.GroupBy(d => d.Path))
            {
                foreach (Difference d in file.Take(5))
                {
                    stdout.WriteLine($"  {(d.Tolerated ? "tolerated" : "MISMATCH ")} {d.Path}: {d.Kind}: {d.Detail}");
                }
                if (file.Count() > 5) stdout.WriteLine($"  ... {file.Count() - 5} more in {file.Key}");
            }
        }
        int mismatches = differences.Count(d => !d.Tolerated);
        stdout.WriteLine(mismatches == 0
            ? $"verify: artifacts reproduce ({differences.Count} tolerated difference(s))"
            : $"verify: {mismatches} mismatch(es)");
        return mismatches == 0 ? ExperimentsCli.Ok : ExperimentsCli.Failed;
    }
}
