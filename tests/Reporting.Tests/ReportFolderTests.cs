using System.Diagnostics;
using EEArtifacts.Reporting.Cli;

namespace EEArtifacts.Reporting.Tests;

/// <summary>ee-report --out never destroys data: it replaces or deletes only files it wrote itself (listed in its
/// manifest), and refuses an output folder equal to, above or inside the results, before any work.</summary>
public sealed class ReportFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-report-folder-" + Guid.NewGuid().ToString("N")[..8]);

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

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = ReportCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>The real program, so that "--out ." means the working folder of its own process.</summary>
    private static (int Code, string Err) Program(string workingFolder, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "ee-report"))
        {
            WorkingDirectory = workingFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "ee-report did not finish");
        _ = stdout.Result;
        return (p.ExitCode, stderr.Result);
    }

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string folder)
    {
        var after = Snapshot(folder);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        }
    }

    private static void AssertOneLine(string stderr, string text)
    {
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(text, stderr);
    }

    [Theory]
    [InlineData("results/quick")] // the results folder itself
    [InlineData("results")] // above it
    [InlineData(".")] // the folder that holds them
    [InlineData("results/quick/gp-init")] // inside it
    [InlineData("link-to-results/sub")] // inside it, through a symbolic link
    public void AnOutputThatOverlapsTheResultsIsRefusedAndNothingChanges(string outDir)
    {
        var results = ResultsFixture.Create(_root);
        Directory.CreateSymbolicLink(Path.Combine(_root, "link-to-results"), results);
        var before = Snapshot(_root);

        var (code, stderr) = Program(_root, "--results", "results/quick", "--out", outDir);

        Assert.Equal(ReportCli.BadInput, code);
        AssertOneLine(stderr, "overlaps --results");
        AssertUnchanged(before, _root);
    }

    [Fact]
    public void OutDotInAFolderWithOtherFilesKeepsThemAndARerunReplacesOnlyTheReportsFiles()
    {
        var results = ResultsFixture.Create(_root);
        var work = Path.Combine(_root, "work");
        Directory.CreateDirectory(Path.Combine(work, "figures"));
        File.WriteAllText(Path.Combine(work, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(work, "figures", "my-sketch.png"), "mine too");
        var mine = Snapshot(work);

        var (code, stderr) = Program(work, "--results", results, "--out", ".");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(work, ReportGenerator.PdfName)));
        var manifest = File.ReadAllLines(Path.Combine(work, ReportFolder.ManifestName));
        Assert.Contains(ReportGenerator.PdfName, manifest);
        Assert.DoesNotContain("notes.txt", manifest);
        foreach (var (name, bytes) in mine)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(work, name)));
        }

        // A file the previous run listed but this one does not write is the report's own stale output: deleted.
        File.WriteAllText(Path.Combine(work, "figures", "e9-retired.png"), "old figure");
        File.AppendAllText(Path.Combine(work, ReportFolder.ManifestName), "figures/e9-retired.png\n");
        (code, stderr) = Program(work, "--results", results, "--out", ".");
        Assert.True(code == 0, stderr);
        Assert.False(File.Exists(Path.Combine(work, "figures", "e9-retired.png")));
        Assert.DoesNotContain("figures/e9-retired.png", File.ReadAllLines(Path.Combine(work, ReportFolder.ManifestName)));
        foreach (var (name, bytes) in mine)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(work, name)));
        }

        Assert.DoesNotContain(Directory.GetDirectories(work), d => Path.GetFileName(d).StartsWith('.')); // no staging left
    }

    [Fact]
    public void AFileInTheWayThatTheReportDidNotWriteIsRefusedBeforeAnythingIsWritten()
    {
        var results = ResultsFixture.Create(_root);
        var outDir = Path.Combine(_root, "paper");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, ReportGenerator.PdfName), "someone's own report");
        var before = Snapshot(outDir);

        var (code, _, stderr) = Cli("--results", results, "--out", outDir);

        Assert.Equal(ReportCli.BadInput, code);
        AssertOneLine(stderr, "holds report.pdf, which ee-report did not write");
        AssertUnchanged(before, outDir);
        Assert.Empty(Directory.GetDirectories(outDir));
    }

    [Theory]
    [InlineData("../../results/quick/gp-init/experiment.json\n", "is not an ee-report manifest")]
    [InlineData(ReportFolder.ManifestHeader + "\n../../results/quick/gp-init/experiment.json\n", "which is not a path inside the folder")]
    public void AManifestThatIsNotTheReportsOwnIsRefused(string manifest, string message)
    {
        var results = ResultsFixture.Create(_root);
        var outDir = Path.Combine(_root, "paper");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, ReportFolder.ManifestName), manifest);
        var before = Snapshot(_root);

        var (code, _, stderr) = Cli("--results", results, "--out", outDir);

        Assert.Equal(ReportCli.BadInput, code);
        AssertOneLine(stderr, message);
        AssertUnchanged(before, _root);
    }
}
