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
        var expected = new Option<string>("--expected") { Description = "reference results of a profile, e.g. references/quick/results", Required = true };
        var actual = new Option<string>("--actual") { Description = "regenerated results of the same profile", Required = true };
        var expectedReport = new Option<string?>("--expected-report") { Description = "reference report folder, e.g. references/quick/paper" };
        var actualReport = new Option<string?>("--actual-report") { Description = "the report rendered from the regenerated results: compared by claims and figures present" };
        var rerenderedReport = new Option<string?>("--rerendered-report") { Description = "the report re-rendered from the reference results: byte-identical to --expected-report when the numeric environment matches" };
        var only = new Option<string[]>("--only") { Description = "compare only these experiments", AllowMultipleArgumentsPerToken = true };
        var command = new Command("verify", "Compares regenerated results (and report) with the references; exit 1 on a real mismatch.")
        {
            expected, actual, expectedReport, actualReport, rerenderedReport, only,
        };
        command.SetAction(result => ExperimentsCli.Guard(stderr, () =>
        {
            string e = result.GetValue(expected)!, a = result.GetValue(actual)!;
            string? er = result.GetValue(expectedReport), ar = result.GetValue(actualReport), rr = result.GetValue(rerenderedReport);
            foreach (string folder in new[] { e, a }.Concat(new[] { er, ar, rr }.OfType<string>()))
            {
                if (!Directory.Exists(folder)) throw new UsageException($"folder '{folder}' does not exist");
            }
            if ((er is null) != (ar is null) || (rr is not null && er is null))
            {
                throw new UsageException("--expected-report and --actual-report go together (and --rerendered-report needs both)");
            }
            var names = (result.GetValue(only) ?? Array.Empty<string>()).SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var known = ArtifactComparison.ExperimentsIn(e);
            string[] unknown = names.Where(n => !known.Contains(n)).ToArray();
            if (unknown.Length > 0)
            {
                throw new UsageException($"--only names no experiment of '{e}': {string.Join(", ", unknown)} (there: {string.Join(", ", known)})");
            }
            ResultsComparison results = ArtifactComparison.CompareResults(e, a, names);
            var differences = results.Differences.ToList();
            if (er is not null && ar is not null)
            {
                differences.AddRange(ClaimsComparison.Compare(Path.Combine(er, ClaimsComparison.FileName), Path.Combine(ar, ClaimsComparison.FileName), "report"));
                differences.AddRange(ArtifactComparison.CompareFileNames(er, ar, "report"));
                if (rr is not null && results.SameEnvironment)
                {
                    differences.AddRange(ArtifactComparison.CompareFiles(er, rr, "report"));
                }
                else if (rr is not null)
                {
                    differences.Add(new Difference("report", "environment", "numeric environment differs: the report is compared by claims and figures present, not bytes", true));
                }
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
