using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Rendering;
using EEArtifacts.Reporting.Results;
using SkiaSharp;

namespace EEArtifacts.Reporting.Tests;

public sealed class ReaderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-report-reader-" + Guid.NewGuid().ToString("N")[..8]);

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

    [Fact]
    public void CsvParsesNaNInfinityAndQuotedFields()
    {
        var t = CsvTable.Parse("a,b,c\nNaN,Infinity,\"1,234.5 us\"\n-Infinity,1e-3,x\n");
        Assert.True(double.IsNaN(t.Rows[0].D("a")));
        Assert.Equal(double.PositiveInfinity, t.Rows[0].D("b"));
        Assert.Equal("1,234.5 us", t.Rows[0].S("c"));
        Assert.Equal(double.NegativeInfinity, t.Rows[1].D("a"));
        Assert.Equal(0.001, t.Rows[1].D("b"));
        Assert.True(double.IsNaN(t.Rows[1].D("missing")));
    }

    [Fact]
    public void RowsAreConcatenatedInCellOrderAndUnfinishedCellsIgnored()
    {
        var root = Path.Combine(_root, "results", "quick");
        var w = new ExperimentWriter(root, "hyperparameters", "factor,level,ensemble_gain,correlation,ens_test_acc");
        for (var i = 0; i < 12; i++)
        {
            w.Cell([$"f,{i},0.1,0.2,0.3"]);
        }

        var last = w.Cell(["f,unfinished,0.1,0.2,0.3"]);
        File.Delete(last + ".json");
        w.Finish();
        var e = ResultsReader.ReadExperiment(Path.Combine(root, "hyperparameters"), "hyperparameters");
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), e.Rows.Rows.Select(r => r.S("level")));
        Assert.Equal(12, e.Cells.Count);
        Assert.Equal("0123456789ab", e.Cells[0].Provenance["git_commit"]);
        Assert.Equal("1000", e.Cells[0].Seed);
        Assert.True(e.TotalWallSeconds > 0);
        Assert.Contains(e.Problems, p => p.Contains("unfinished", StringComparison.Ordinal) && p.Contains("0012", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("partial, 12 of 13", StringComparison.Ordinal));
    }

    [Fact]
    public void RowsWithTheWrongFieldCountAreDroppedAndNamed()
    {
        var root = Path.Combine(_root, "results", "quick");
        var w = new ExperimentWriter(root, "hyperparameters", "factor,level,ensemble_gain,correlation,ens_test_acc");
        w.Cell(["law,gauss(1,0.5),0.1,0.2,0.3", "law,sign(1),0.1,0.2,0.3"]);
        w.Finish();
        var e = ResultsReader.ReadExperiment(Path.Combine(root, "hyperparameters"), "hyperparameters");
        Assert.Equal("sign(1)", Assert.Single(e.Rows.Rows).S("level"));
        Assert.Contains(e.Problems, p => p.Contains("cell 0000 rows.csv has 1 row(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void BenchmarksAbsentOrPresent()
    {
        var absent = BenchmarkReader.Read(Path.Combine(_root, "nothing"));
        Assert.False(absent.FolderExists);
        Assert.Contains("benchmarks: no exports", absent.Problems.Single());

        var root = Path.Combine(_root, "results", "quick");
        ResultsFixture.Benchmarks(root);
        var b = BenchmarkReader.Read(Path.Combine(root, "benchmarks"));
        var t = Assert.Single(b.Tables);
        Assert.Equal("ForwardBenchmarks", t.Name);
        Assert.DoesNotContain("Job", t.Columns);
        Assert.Contains("M", t.Columns);
        Assert.Equal([1.0, 0.5, 1.0, 0.28], t.Ratios().Select(r => r.Ratio));
        Assert.Equal(1234.5, BenchmarkReader.ParseNumber(t.Rows[0][t.IndexOf("Mean")]));
    }

    [Fact]
    public void WrappedLinesFitTheWidth()
    {
        using var fonts = FontSet.Load();
        using var font = new SKFont(fonts.Regular, 10);
        var text = "Embedded ensembles share weights across members; averaging_an_unbreakably_long_identifier_that_must_be_split_somewhere inside a narrow column.";
        var lines = TextLayout.Wrap(text, font, 90);
        Assert.True(lines.Count > 3);
        Assert.All(lines, l => Assert.True(font.MeasureText(l) <= 90.01, l));
        Assert.Equal(text.Replace(" ", "", StringComparison.Ordinal), string.Concat(lines).Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void NoUsableFontIsOneClearError()
    {
        var e = Assert.Throws<ReportInputException>(() => FontSet.Load(Path.Combine(_root, "no-fonts")));
        Assert.StartsWith("no usable font", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
