using System.Text.RegularExpressions;
using EEArtifacts.Reporting.Claims;
using SkiaSharp;
using UglyToad.PdfPig;

namespace EEArtifacts.Reporting.Tests;

[Collection("report")]
public sealed partial class ReportOutputTests(ReportFixture fx)
{
    [Fact]
    public void CompleteFixtureHasNothingMissing()
    {
        Assert.Empty(fx.Outcome.Missing);
        Assert.Equal(0, fx.Outcome.ExitCode);
    }

    [Fact]
    public void FiguresExistDecodeAndAreNotBlank()
    {
        var dir = Path.Combine(fx.Out, "figures");
        var pngs = Directory.GetFiles(dir, "*.png").Order().ToList();
        var expected = new[] { "e1-gp-init", "e2-ntk-init", "e3-training", "e3-transition", "e4-width-sweep", "e5-param-scatter", "e6-infinite-width", "e7-hyperparameters", "e8-which-batchensemble", "bench-forwardbenchmarks" };
        Assert.Equal(expected.Order(), pngs.Select(Path.GetFileNameWithoutExtension).Order());
        foreach (var png in pngs)
        {
            using var bmp = SKBitmap.Decode(png);
            Assert.NotNull(bmp);
            Assert.True(bmp.Width > 100 && bmp.Height > 100, png);
            Assert.True(LumaVariance(bmp) > 0, $"{png} is blank");
            var svg = File.ReadAllText(Path.ChangeExtension(png, ".svg"));
            Assert.Contains("<svg", svg);
            Assert.Contains("<path", svg);
        }
    }

    [Fact]
    public void PdfOpensWithExpectedPagesFiguresTablesAndEveryClaimRow()
    {
        var pdfPath = Path.Combine(fx.Out, ReportGenerator.PdfName);
        using var pdf = PdfDocument.Open(pdfPath);
        Assert.Equal(fx.Outcome.Pdf.Pages, pdf.NumberOfPages);
        Assert.Equal(10, fx.Outcome.Pdf.Figures);

        // 1 summary + 8 experiments' claims + E8's theory table + 1 benchmark + 2 provenance tables.
        Assert.Equal(13, fx.Outcome.Pdf.Tables);
        var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
        var flat = Flat(text);
        for (var f = 1; f <= fx.Outcome.Pdf.Figures; f++)
        {
            Assert.Contains(Flat($"Figure {f}:"), flat);
        }

        for (var t = 1; t <= fx.Outcome.Pdf.Tables; t++)
        {
            Assert.Contains(Flat($"Table {t}:"), flat);
        }

        Assert.Contains(Flat("Contents"), flat);
        Assert.Contains(Flat($"page {fx.Outcome.Pdf.Pages} of {fx.Outcome.Pdf.Pages}"), flat);

        var claims = BuildClaims();
        Assert.Equal(fx.Outcome.Claims, claims.Count);
        foreach (var c in claims)
        {
            // The row's cells wrap within the table, so compare without whitespace.
            Assert.Contains(Flat(c.Id + c.Claim), flat);
            Assert.Contains(Flat(c.ValueText), flat);
            Assert.Contains(Flat(c.Verdict.Text()), flat);
            Assert.Contains(Flat(c.Id + " rule: " + c.Rule), flat);
        }
    }

    [Fact]
    public void FixtureClaimsHold()
    {
        var claims = BuildClaims();
        var failing = claims.Where(c => c.Verdict != Verdict.Holds).Select(c => $"{c.Id}: {c.Verdict} ({c.ValueText}; {c.Note})").ToList();
        Assert.True(failing.Count == 0, string.Join("\n", failing));
    }

    [Fact]
    public void MarkdownLinksPointToFilesThatExist()
    {
        var md = File.ReadAllText(Path.Combine(fx.Out, ReportGenerator.MarkdownName));
        var links = LinkRegex().Matches(md).Select(m => m.Groups[1].Value).Where(l => !l.StartsWith('#')).ToList();
        Assert.Contains(links, l => l.EndsWith(".png", StringComparison.Ordinal));
        Assert.Contains(links, l => l.EndsWith(".svg", StringComparison.Ordinal));
        foreach (var link in links)
        {
            Assert.False(Path.IsPathRooted(link), link);
            Assert.True(File.Exists(Path.Combine(fx.Out, link)), $"broken link {link}");
        }

        var anchors = LinkRegex().Matches(md).Select(m => m.Groups[1].Value).Where(l => l.StartsWith('#')).ToList();
        Assert.NotEmpty(anchors);
        foreach (var a in anchors)
        {
            Assert.Contains($"<a id=\"{a[1..]}\"></a>", md);
        }

        foreach (var c in BuildClaims())
        {
            Assert.Contains($"| {c.Id} |", md);
        }
    }

    [Fact]
    public void SameInputsGiveByteIdenticalOutputs()
    {
        var second = Path.Combine(fx.Root, "paper2", "quick");
        ReportGenerator.Generate(new ReportOptions(fx.Results, second));
        var a = Directory.GetFiles(fx.Out, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(fx.Out, f)).Order().ToList();
        var b = Directory.GetFiles(second, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(second, f)).Order().ToList();
        Assert.Equal(a, b);
        foreach (var f in a)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(fx.Out, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, f))), $"{f} differs");
        }
    }

    private List<ClaimResult> BuildClaims()
    {
        var results = Results.ResultsReader.Read(fx.Results, Sections.ExperimentSection.All().Select(s => s.Experiment));
        return ReportBuilder.Build(results, Sections.ExperimentSection.All()).Report.Claims.ToList();
    }

    private static string Flat(string s) => WhitespaceRegex().Replace(s, "");

    private static double LumaVariance(SKBitmap bmp)
    {
        double sum = 0, sum2 = 0;
        var n = 0;
        for (var y = 0; y < bmp.Height; y += 2)
        {
            for (var x = 0; x < bmp.Width; x += 2)
            {
                var c = bmp.GetPixel(x, y);
                var l = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                sum += l;
                sum2 += l * l;
                n++;
            }
        }

        var mean = sum / n;
        return sum2 / n - mean * mean;
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
