using EEArtifacts.Experiments.Cli;
using EEArtifacts.Experiments.Verification;

namespace EEArtifacts.Experiments.Tests.Verification;

public sealed class ArtifactComparisonTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-verify-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Write(string side, string relative, string text)
    {
        string path = Path.Combine(_root, side, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Rows = "experiment,cell,repeat,seed,width,value\nx,0,0,1,64,0.5\nx,1,0,2,128,1.5\n";

    private void Both(string relative, string text)
    {
        Write("expected", relative, text);
        Write("actual", relative, text);
    }

    [Fact]
    public void IdenticalArtifactsReproduce()
    {
        Both("x/cells/0000-aaa.rows.csv", Rows);
        Both("x/cells/0000-aaa.json", "{\"seed\": 1, \"provenance\": {\"git_commit\": \"a\"}}");
        Assert.Empty(ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), Array.Empty<string>()));
    }

    [Fact]
    public void AFlippedByteIsAMismatchNamedByFileRowAndColumn()
    {
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0000-aaa.rows.csv", Rows.Replace("1.5", "9.5", StringComparison.Ordinal));
        var differences = ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), Array.Empty<string>());
        Difference d = Assert.Single(differences);
        Assert.False(d.Tolerated);
        Assert.Equal("x/cells/0000-aaa.rows.csv", d.Path);
        Assert.Contains("row 2 value", d.Detail);
        var output = new StringWriter();
        Assert.Equal(ExperimentsCli.Failed, VerifyCommand.Summarize(differences, output));
        Assert.Contains("MISMATCH", output.ToString());
    }

    [Fact]
    public void ASmallNumericChangeWithinTheSpreadIsTolerated()
    {
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0000-aaa.rows.csv", Rows.Replace("1.5", "1.5000001", StringComparison.Ordinal));
        var differences = ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), Array.Empty<string>());
        Assert.True(Assert.Single(differences).Tolerated);
        Assert.Equal(ExperimentsCli.Ok, VerifyCommand.Summarize(differences, new StringWriter()));
    }

    [Fact]
    public void WithTheSameSettingsEvenATinyChangeIsAMismatch()
    {
        const string record = "{\"seed\": 1, \"provenance\": {\"git_commit\": \"a\", \"threads\": 2}}";
        Write("expected", "x/cells/0000-aaa.json", record);
        Write("actual", "x/cells/0000-aaa.json", record.Replace("\"a\"", "\"b\"", StringComparison.Ordinal));
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0000-aaa.rows.csv", Rows.Replace("1.5", "1.5000001", StringComparison.Ordinal));
        var differences = ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), Array.Empty<string>());
        Assert.False(Assert.Single(differences).Tolerated);
    }

    [Fact]
    public void ProvenanceAndTimingAreNotCompared()
    {
        Write("expected", "x/cells/0000-aaa.json", "{\"seed\": 1, \"provenance\": {\"git_commit\": \"a\"}}");
        Write("actual", "x/cells/0000-aaa.json", "{\"seed\": 1, \"provenance\": {\"git_commit\": \"b\"}}");
        Write("expected", "x/cells/0000-aaa.timing.json", "{\"wall_seconds\": 1}");
        Write("actual", "x/cells/0000-aaa.timing.json", "{\"wall_seconds\": 2}");
        Assert.Empty(ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), Array.Empty<string>()));
    }

    [Fact]
    public void AChangedSeedInACellRecordIsAMismatch()
    {
        Write("expected", "x/cells/0000-aaa.json", "{\"seed\": 1}");
        Write("actual", "x/cells/0000-aaa.json", "{\"seed\": 2}");
        Assert.False(Assert.Single(ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), Array.Empty<string>())).Tolerated);
    }

    [Fact]
    public void MissingAndExtraCellsAreNamed()
    {
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0001-bbb.rows.csv", Rows);
        var kinds = ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), Array.Empty<string>()).Select(d => d.Kind).Order().ToArray();
        Assert.Equal(new[] { "extra", "missing" }, kinds);
    }

    [Fact]
    public void ReportFilesMustBeByteIdentical()
    {
        Write("pe", "report.pdf", "%PDF-1.4 a");
        Write("pa", "report.pdf", "%PDF-1.4 b");
        Difference d = Assert.Single(ArtifactComparison.CompareFiles(Path.Combine(_root, "pe"), Path.Combine(_root, "pa"), "report"));
        Assert.Equal("report/report.pdf", d.Path);
        Assert.False(d.Tolerated);
    }
}
