using System.Globalization;
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

    private static string Record(int repeat, string mkl = "AVX512", string commit = "a", string config = "\"width\": 64") =>
        $"{{\"seed\": {repeat + 1}, \"config\": {{{config}, \"repeat\": {repeat}, \"label\": \"r{repeat}\"}}, " +
        $"\"provenance\": {{\"git_commit\": \"{commit}\", \"profile\": \"quick\", \"threads\": 1, \"mkl_cbwr\": \"{mkl}\"}}}}";

    private void Both(string relative, string text)
    {
        Write("expected", relative, text);
        Write("actual", relative, text);
    }

    private ResultsComparison Compare(params string[] only) =>
        ArtifactComparison.CompareResults(Path.Combine(_root, "expected"), Path.Combine(_root, "actual"), only);

    private static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void IdenticalArtifactsReproduce()
    {
        Both("x/cells/0000-aaa.rows.csv", Rows);
        Both("x/cells/0000-aaa.json", Record(0));
        ResultsComparison c = Compare();
        Assert.Empty(c.Differences);
        Assert.True(c.SameEnvironment);
    }

    [Fact]
    public void AFlippedByteIsAMismatchNamedByFileRowAndColumn()
    {
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0000-aaa.rows.csv", Rows.Replace("1.5", "9.5", StringComparison.Ordinal));
        var differences = Compare().Differences;
        Difference d = Assert.Single(differences);
        Assert.False(d.Tolerated);
        Assert.Equal("x/cells/0000-aaa.rows.csv", d.Path);
        Assert.Contains("row 2 value", d.Detail);
        var output = new StringWriter();
        Assert.Equal(ExperimentsCli.Failed, VerifyCommand.Summarize(differences, output));
        Assert.Contains("MISMATCH", output.ToString());
    }

    [Fact]
    public void InTheSameEnvironmentEvenATinyChangeIsAMismatch()
    {
        Write("expected", "x/cells/0000-aaa.json", Record(0, commit: "a"));
        Write("actual", "x/cells/0000-aaa.json", Record(0, commit: "b"));
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0000-aaa.rows.csv", Rows.Replace("1.5", "1.5000000000000002", StringComparison.Ordinal));
        Assert.False(Assert.Single(Compare().Differences).Tolerated);
    }

    [Fact]
    public void AChangedFieldCountIsOneLineNamingTheFile()
    {
        Both("x/cells/0000-aaa.json", Record(0));
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0000-aaa.rows.csv", Rows.Replace("x,1,0,2,128,1.5", "x,1,0,2,128-1.5", StringComparison.Ordinal));
        Difference d = Assert.Single(Compare().Differences);
        Assert.False(d.Tolerated);
        Assert.Equal("structure", d.Kind);
        Assert.Contains("0000-aaa.rows.csv line 3 has 5 fields", d.Detail);
    }

    [Fact]
    public void AFlippedByteInOneCommittedCellsProvenanceIsAMismatch()
    {
        Both("x/cells/0000-aaa.json", Record(0));
        Write("expected", "x/cells/0001-bbb.json", Record(1, mkl: "AVX5I2"));
        Write("actual", "x/cells/0001-bbb.json", Record(1));
        ResultsComparison c = Compare();
        Assert.Contains(c.Differences, d => !d.Tolerated && d.Kind == "provenance" && d.Path == "x/cells/0001-bbb.json" && d.Detail.Contains("AVX5I2", StringComparison.Ordinal));
        Assert.False(c.SameEnvironment);
    }

    [Fact]
    public void ASettingInProvenanceMustMatchWhateverTheEnvironment()
    {
        Write("expected", "x/cells/0000-aaa.json", Record(0));
        Write("actual", "x/cells/0000-aaa.json", Record(0).Replace("\"quick\"", "\"smoke\"", StringComparison.Ordinal));
        Assert.Contains(Compare().Differences, d => !d.Tolerated && d.Detail.StartsWith("profile", StringComparison.Ordinal));
    }

    [Fact]
    public void ReferencesWithOtherProvenanceFieldsAreOneMismatchAskingForARefresh()
    {
        for (int r = 0; r < 2; r++)
        {
            Write("expected", $"x/cells/000{r}-a.json", Record(r).Replace(", \"mkl_cbwr\": \"AVX512\"", "", StringComparison.Ordinal));
            Write("actual", $"x/cells/000{r}-a.json", Record(r));
        }
        Difference d = Assert.Single(Compare().Differences);
        Assert.False(d.Tolerated);
        Assert.Contains("in 2 cell(s): committed lacks mkl_cbwr", d.Detail);
        Assert.Contains("--target=References", d.Detail);
    }

    [Fact]
    public void TimingIsNotCompared()
    {
        Both("x/cells/0000-aaa.json", Record(0));
        Write("expected", "x/cells/0000-aaa.timing.json", "{\"wall_seconds\": 1}");
        Write("actual", "x/cells/0000-aaa.timing.json", "{\"wall_seconds\": 2}");
        Assert.Empty(Compare().Differences);
    }

    [Fact]
    public void AChangedSeedInACellRecordIsAMismatch()
    {
        Write("expected", "x/cells/0000-aaa.json", Record(0));
        Write("actual", "x/cells/0000-aaa.json", Record(0).Replace("\"seed\": 1", "\"seed\": 2", StringComparison.Ordinal));
        Assert.False(Assert.Single(Compare().Differences).Tolerated);
    }

    [Fact]
    public void MissingAndExtraCellsAreNamed()
    {
        Write("expected", "x/cells/0000-aaa.rows.csv", Rows);
        Write("actual", "x/cells/0001-bbb.rows.csv", Rows);
        var kinds = Compare().Differences.Select(d => d.Kind).Order().ToArray();
        Assert.Equal(new[] { "extra", "missing" }, kinds);
    }

    // Cross-environment, no training: ntk-init values within the relative tolerance, not beyond it.
    [Theory]
    [InlineData(0.5, true)]
    [InlineData(30, false)]
    public void WithoutTrainingAValueMayMoveOnlyWithinTheRelativeTolerance(double inTolerances, bool tolerated)
    {
        const double value = 0.054971356072623725;
        string rows = $"experiment,cell,repeat,seed,width,rel_err_com\nntk-init,0,0,1,64,{Fmt(value)}\n";
        Write("expected", "ntk-init/cells/0000-aaa.json", Record(0, mkl: "AVX2"));
        Write("actual", "ntk-init/cells/0000-aaa.json", Record(0, mkl: "AVX512"));
        Write("expected", "ntk-init/cells/0000-aaa.rows.csv", rows);
        Write("actual", "ntk-init/cells/0000-aaa.rows.csv", rows.Replace(Fmt(value), Fmt(value * (1 + inTolerances * VerificationRules.RelativeTolerance)), StringComparison.Ordinal));
        ResultsComparison c = Compare();
        Assert.False(c.SameEnvironment);
        Assert.Contains(c.Differences, d => d.Kind == "environment" && d.Tolerated && d.Detail.Contains("mkl_cbwr", StringComparison.Ordinal));
        Difference value1 = Assert.Single(c.Differences, d => d.Kind == "value");
        Assert.Equal(tolerated, value1.Tolerated);
    }

    // Cross-environment, training: three repeats of one configuration and one other configuration. A change of
    // 0.3 SE passes; 3 SE of the configuration (on every repeat of the regenerated side) fails.
    [Theory]
    [InlineData(0.3, true)]
    [InlineData(3.0, false)]
    public void TrainingMeansMayMoveOnlyWithinKCombinedStandardErrors(double shiftInSe, bool tolerated)
    {
        double[] accuracy = [0.70, 0.74, 0.72];
        double mean = accuracy.Average();
        double se = Math.Sqrt(accuracy.Sum(a => (a - mean) * (a - mean)) / 2 / 3);
        for (int r = 0; r < 3; r++)
        {
            string stem = $"000{r}-a{r}";
            string Row(double acc) => $"experiment,cell,repeat,seed,members,ens_test_acc\nregimes,{r},{r},{r + 1},4,{Fmt(acc)}\n";
            Write("expected", $"regimes/cells/{stem}.json", Record(r, mkl: "AVX2"));
            Write("actual", $"regimes/cells/{stem}.json", Record(r, mkl: "AVX512"));
            Write("expected", $"regimes/cells/{stem}.rows.csv", Row(accuracy[r]));
            Write("actual", $"regimes/cells/{stem}.rows.csv", Row(accuracy[r] + shiftInSe * se));
        }
        // Another configuration, unchanged: it must not be pooled with the first.
        Write("expected", "regimes/cells/0003-b.json", Record(0, mkl: "AVX2", config: "\"width\": 128"));
        Write("actual", "regimes/cells/0003-b.json", Record(0, mkl: "AVX512", config: "\"width\": 128"));
        Both("regimes/cells/0003-b.rows.csv", "experiment,cell,repeat,seed,members,ens_test_acc\nregimes,3,0,4,4,0.9\n");

        var values = Compare().Differences.Where(d => d.Kind == "value").ToList();
        Difference d = Assert.Single(values);
        Assert.Contains("configuration of 3 repeats", d.Detail);
        Assert.Equal(tolerated, d.Tolerated);
    }

    [Fact]
    public void ClaimsNeedTheSameVerdictAndAStatisticInsideTheCombinedUncertainty()
    {
        const string header = "id,verdict,value,claim,statistic,uncertainty,uncertainty_kind,n\n";
        string Claim(string id, string verdict, double s, double u) => $"{id},{verdict},\"{s} ± {u}\",\"a claim, with a comma\",{Fmt(s)},{Fmt(u)},SE,3\n";
        string expected = Write("pe", "claims.csv", header + Claim("E1.1", "Holds", 0.50, 0.03) + Claim("E3.1", "Holds", 0.10, 0.02) + Claim("E3.2", "Holds", 0.2, 0.01));
        string actual = Write("pa", "claims.csv", header + Claim("E1.1", "Holds", 0.52, 0.03) + Claim("E3.1", "DoesNotHold", 0.10, 0.02) + Claim("E3.2", "Holds", 0.25, 0.01));
        var differences = ClaimsComparison.Compare(expected, actual, "report");
        Assert.True(differences.Single(d => d.Detail.StartsWith("E1.1", StringComparison.Ordinal)).Tolerated);
        Assert.False(differences.Single(d => d.Detail.StartsWith("E3.1", StringComparison.Ordinal)).Tolerated);
        Assert.Contains("verdict Holds vs DoesNotHold", differences.Single(d => d.Detail.StartsWith("E3.1", StringComparison.Ordinal)).Detail);
        Assert.False(differences.Single(d => d.Detail.StartsWith("E3.2", StringComparison.Ordinal)).Tolerated);
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

    [Fact]
    public void AcrossEnvironmentsAReportMustHoldTheSameFigures()
    {
        Write("pe", "figures/e1.png", "a");
        Write("pa", "figures/e1.png", "b");
        Write("pe", "figures/e2.png", "a");
        Difference d = Assert.Single(ArtifactComparison.CompareFileNames(Path.Combine(_root, "pe"), Path.Combine(_root, "pa"), "report"));
        Assert.Equal("missing", d.Kind);
        Assert.Contains("e2.png", d.Path);
    }
}
