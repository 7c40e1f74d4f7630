using EEArtifacts.Reporting.Cli;
using UglyToad.PdfPig;

namespace EEArtifacts.Reporting.Tests;

public sealed class MissingResultsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-report-missing-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, true);
        }
        catch (IOException)
        {
        }
    }

    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = ReportCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Only two experiments, one of them partial (cells declared but absent, one unfinished), no benchmarks.</summary>
    private string PartialResults()
    {
        var root = Path.Combine(_root, "results", "quick");
        Directory.CreateDirectory(root);
        ResultsFixture.GpInit(root);
        var w = new ExperimentWriter(root, "hyperparameters", "factor,level,u1,regime,ensemble_gain,correlation,ens_test_acc") { DeclaredCells = 5 };
        w.Cell(["gamma,1,0,mixed,0.02,0.8,0.8", "gamma,1,0,mixed,0.021,0.81,0.8"]);
        w.Cell(["gamma,M,0,independent,0.08,0.3,0.8", "gamma,M,0,independent,0.079,0.31,0.8"]);
        var unfinished = w.Cell(["gamma,sqrt(M),0,mixed,0.05,0.5,0.8"]);
        File.Delete(unfinished + ".json");
        w.Finish();
        return root;
    }

    [Fact]
    public void PartialResultsStillRenderAndNameWhatIsMissing()
    {
        var results = PartialResults();
        var outDir = Path.Combine(_root, "paper", "quick");
        var (code, stdout, stderr) = Cli("--results", results, "--out", outDir);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("missing: ntk-init", stdout);

        var md = File.ReadAllText(Path.Combine(outDir, "REPORT.md"));
        foreach (var name in new[] { "ntk-init", "regimes", "width-sweep", "param-scatter", "infinite-width" })
        {
            Assert.Contains($"{name}: no results", md.Replace("\\", "", StringComparison.Ordinal));
        }

        Assert.Contains("benchmarks: no exports", md);
        Assert.Contains("hyperparameters: partial, 2 of 5 cells finished", md);
        Assert.Contains("unfinished, ignored", md);
        Assert.Contains("inconclusive", md);
        Assert.True(File.Exists(Path.Combine(outDir, "figures", "e1-gp-init.png")));
        Assert.True(File.Exists(Path.Combine(outDir, "figures", "e7-hyperparameters.png")));
        using var pdf = PdfDocument.Open(Path.Combine(outDir, "report.pdf"));
        var text = string.Concat(pdf.GetPages().Select(p => p.Text));
        Assert.Contains("ntk-init: no results", text);
    }

    [Fact]
    public void StrictModeExitsNonZeroButStillWrites()
    {
        var results = PartialResults();
        var outDir = Path.Combine(_root, "paper", "strict");
        var (code, _, stderr) = Cli("--results", results, "--out", outDir, "--strict");
        Assert.Equal(ReportCli.Incomplete, code);
        Assert.Contains("missing or partial", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.True(File.Exists(Path.Combine(outDir, "report.pdf")));
        Assert.True(File.Exists(Path.Combine(outDir, "REPORT.md")));
    }

    [Fact]
    public void ResultsFolderThatDoesNotExistIsOneClearLine()
    {
        var outDir = Path.Combine(_root, "paper", "none");
        var (code, stdout, stderr) = Cli("--results", Path.Combine(_root, "nope"), "--out", outDir);
        Assert.Equal(ReportCli.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("results folder does not exist", stderr);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void UnwritableOutputIsOneClearLineAndLeavesNothing()
    {
        var results = PartialResults();
        var blocker = Path.Combine(_root, "blocker");
        File.WriteAllText(blocker, "a file where a folder should be");
        var (code, _, stderr) = Cli("--results", results, "--out", Path.Combine(blocker, "quick"));
        Assert.Equal(ReportCli.BadInput, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("cannot write output folder", stderr);
        Assert.DoesNotContain(Directory.GetDirectories(_root), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void MissingRequiredOptionIsBadInput()
    {
        var (code, _, stderr) = Cli("--out", Path.Combine(_root, "x"));
        Assert.Equal(ReportCli.BadInput, code);
        Assert.Contains("--results", stderr);
    }

    [Fact]
    public void AnEarlierReportIsReplacedAndOtherFilesStay()
    {
        var results = PartialResults();
        var outDir = Path.Combine(_root, "paper", "replace");
        Assert.Equal(0, Cli("--results", results, "--out", outDir).Code);
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(outDir, "REPORT.md"), "an earlier report");
        var (code, _, _) = Cli("--results", results, "--out", outDir);
        Assert.Equal(0, code);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outDir, "notes.txt")));
        Assert.Contains("ntk-init: no results", File.ReadAllText(Path.Combine(outDir, "REPORT.md")).Replace("\\", "", StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(_root, "paper")), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void AnExperimentJsonErrorQuotingANewlineIsStillOneLine()
    {
        var results = PartialResults();
        File.WriteAllText(Path.Combine(results, "gp-init", "experiment.json"), "{\"claim\": tru\ne}");
        var (code, stdout, _) = Cli("--results", results, "--out", Path.Combine(_root, "paper", "quick"));
        Assert.Equal(0, code);
        Assert.Contains("gp-init: experiment.json is not valid JSON", stdout);
        Assert.All(stdout.TrimEnd('\n').Split('\n'), line => Assert.StartsWith("ee-report: ", line));
    }

    [Fact]
    public void ADivergedCellIsReportedAsAResultNotAsMissing()
    {
        var results = ResultsFixture.Create(_root);
        var w = new ExperimentWriter(results, "hyperparameters", "factor,level,u1,regime,ensemble_gain,correlation,ens_test_acc") { DeclaredCells = 1 };
        Directory.Delete(Path.Combine(results, "hyperparameters"), true);
        w.Cell(["mu-ratio,10,0,independent,NaN,NaN,0.25"], status: "diverged");
        w.Finish();
        var outDir = Path.Combine(_root, "paper", "quick");

        var (code, stdout, _) = Cli("--results", results, "--out", outDir, "--strict");

        Assert.DoesNotContain("hyperparameters", stdout.Split('\n').Where(l => l.Contains("missing", StringComparison.Ordinal)));
        Assert.Contains("Diverged: 1 cell(s) (0000) stopped when the training loss became NaN or infinite", File.ReadAllText(Path.Combine(outDir, "REPORT.md")));
        Assert.Equal(0, code);
    }
}
