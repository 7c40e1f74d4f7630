using EEArtifacts.Reporting.Claims;
using System.Text;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Rendering;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Sections;

namespace EEArtifacts.Reporting;

public sealed record ReportOptions(string ResultsDir, string OutDir, bool Strict = false, string? FontsDir = null);

/// <summary>What one run produced.</summary>
public sealed record ReportOutcome(int ExitCode, string OutDir, IReadOnlyList<string> Missing, PdfSummary Pdf, int Claims, int Holds, int DoesNotHold, int Inconclusive);

/// <summary>Reads results, builds the report and writes paper/&lt;profile&gt;/: report.pdf, REPORT.md, claims.csv,
/// figures/*.png|svg and the manifest of these files. Everything is written into a staging folder first and moved
/// into place at the end, so a failure never leaves a half-written report; files the report did not write are never
/// replaced or deleted (<see cref="ReportFolder"/>).</summary>
public static class ReportGenerator
{
    public const string PdfName = "report.pdf";

    /// <summary>The claims table as CSV.</summary>
    public const string ClaimsName = "claims.csv";
    public const string MarkdownName = "REPORT.md";
    public const string FiguresFolder = "figures";

    // ScottPlot keeps static font state; one report renders at a time in a process.
    private static readonly Lock RenderLock = new();

    public static ReportOutcome Generate(ReportOptions options, IReadOnlyList<ExperimentSection>? sections = null)
    {
        sections ??= ExperimentSection.All();
        if (!Directory.Exists(options.ResultsDir))
        {
            throw new ReportInputException($"results folder does not exist: {options.ResultsDir}");
        }

        ReportFolder folder = ReportFolder.Open(options.OutDir, options.ResultsDir);
        using var fonts = FontSet.Load(options.FontsDir);
        var results = ResultsReader.Read(options.ResultsDir, sections.Select(s => s.Experiment));
        var built = ReportBuilder.Build(results, sections);
        var files = built.Report.Figures
            .SelectMany(f => new[] { $"{FiguresFolder}/{f.Id}.png", $"{FiguresFolder}/{f.Id}.svg" })
            .Concat([MarkdownName, ClaimsName, PdfName])
            .ToList();
        folder.CheckFree(files);

        string? staging = null;
        PdfSummary pdf;
        using var scope = RenderLock.EnterScope();
        try
        {
            staging = folder.CreateStaging();
            Directory.CreateDirectory(Path.Combine(staging, FiguresFolder));
            foreach (var fig in built.Report.Figures)
            {
                File.WriteAllBytes(Path.Combine(staging, FiguresFolder, fig.Id + ".png"), FigureRenderer.Png(fig));
                File.WriteAllBytes(Path.Combine(staging, FiguresFolder, fig.Id + ".svg"), FigureRenderer.Svg(fig));
            }

            File.WriteAllText(Path.Combine(staging, MarkdownName), MarkdownRenderer.Render(built.Report, FiguresFolder, PdfName), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(staging, ClaimsName), ClaimsCsv(built.Report.Claims), new UTF8Encoding(false));
            using (var renderer = new PdfRenderer(fonts))
            using (var stream = File.Create(Path.Combine(staging, PdfName)))
            {
                pdf = renderer.Render(built.Report, stream, $"EEArtifacts report · profile {results.Profile}");
            }

            folder.Commit(staging, files);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ReportFolder.Discard(staging);
            throw new ReportInputException($"cannot write output folder {options.OutDir}: {e.Message}");
        }

        var claims = built.Report.Claims.ToList();
        var exit = options.Strict && built.Missing.Count > 0 ? 1 : 0;
        return new ReportOutcome(exit, folder.FullPath, built.Missing, pdf, claims.Count,
            claims.Count(c => c.Verdict == Claims.Verdict.Holds),
            claims.Count(c => c.Verdict == Claims.Verdict.DoesNotHold),
            claims.Count(c => c.Verdict == Claims.Verdict.Inconclusive));
    }

    /// <summary>
    /// The claims table as CSV for CI, the build summary and Verify: id, verdict, value (formatted), claim, then the
    /// statistic, its uncertainty, the uncertainty's kind and n as numbers (round-trip; empty when not computed).
    /// </summary>
    public static string ClaimsCsv(IEnumerable<ClaimResult> claims)
    {
        var sb = new StringBuilder("id,verdict,value,claim,statistic,uncertainty,uncertainty_kind,n\n");
        foreach (ClaimResult c in claims)
        {
            string Field(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            string Number(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            sb.Append(c.Id).Append(',').Append(c.Verdict).Append(',')
              .Append(Field(c.Value?.ToString() ?? "n/a")).Append(',').Append(Field(c.Claim)).Append(',')
              .Append(c.Value is { } m ? Number(m.Value) : "").Append(',')
              .Append(c.Value is { } u ? Number(u.Uncertainty) : "").Append(',')
              .Append(c.Value?.Kind ?? "").Append(',')
              .Append(c.Value is { } n ? n.N.ToString(System.Globalization.CultureInfo.InvariantCulture) : "").Append('\n');
        }
        return sb.ToString();
    }
}
