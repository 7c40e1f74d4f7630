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

/// <summary>Reads results, builds the report and writes paper/&lt;profile&gt;/: report.pdf, REPORT.md and
/// figures/*.png|svg. Everything is written into a temporary sibling folder first and moved into place at
/// the end, so a failure never leaves a half-written report.</summary>
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

        using var fonts = FontSet.Load(options.FontsDir);
        var results = ResultsReader.Read(options.ResultsDir, sections.Select(s => s.Experiment));
        var built = ReportBuilder.Build(results, sections);

        var outFull = Path.GetFullPath(options.OutDir).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(outFull) ?? throw new ReportInputException($"output folder has no parent: {options.OutDir}");
        var name = Path.GetFileName(outFull);
        if (File.Exists(outFull))
        {
            throw new ReportInputException($"output path is a file, not a folder: {options.OutDir}");
        }

        var tmp = Path.Combine(parent, $".{name}.tmp-{Environment.ProcessId}");
        PdfSummary pdf;
        using var scope = RenderLock.EnterScope();
        try
        {
            Directory.CreateDirectory(parent);
            if (Directory.Exists(tmp))
            {
                Directory.Delete(tmp, true);
            }

            Directory.CreateDirectory(Path.Combine(tmp, FiguresFolder));
            foreach (var fig in built.Report.Figures)
            {
                File.WriteAllBytes(Path.Combine(tmp, FiguresFolder, fig.Id + ".png"), FigureRenderer.Png(fig));
                File.WriteAllBytes(Path.Combine(tmp, FiguresFolder, fig.Id + ".svg"), FigureRenderer.Svg(fig));
            }

            File.WriteAllText(Path.Combine(tmp, MarkdownName), MarkdownRenderer.Render(built.Report, FiguresFolder, PdfName), new UTF8Encoding(false));
            File.WriteAllText(Path.Combine(tmp, ClaimsName), ClaimsCsv(built.Report.Claims), new UTF8Encoding(false));
            using (var renderer = new PdfRenderer(fonts))
            using (var stream = File.Create(Path.Combine(tmp, PdfName)))
            {
                pdf = renderer.Render(built.Report, stream, $"EEArtifacts report · profile {results.Profile}");
            }

            MoveIntoPlace(tmp, outFull);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new ReportInputException($"cannot write output folder {options.OutDir}: {e.Message}");
        }

        var claims = built.Report.Claims.ToList();
        var exit = options.Strict && built.Missing.Count > 0 ? 1 : 0;
        return new ReportOutcome(exit, outFull, built.Missing, pdf, claims.Count,
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

    private static void MoveIntoPlace(string tmp, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(tmp, target);
            return;
        }

        var old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.old-{Environment.ProcessId}");
        TryDelete(old);
        Directory.Move(target, old);
        try
        {
            Directory.Move(tmp, target);
        }
        catch
        {
            Directory.Move(old, target);
            throw;
        }

        TryDelete(old);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary folder is harmless and is replaced on the next run.
        }
    }
}
