using System.CommandLine;
using EEArtifacts.Reporting.Results;

namespace EEArtifacts.Reporting.Cli;

/// <summary>ee-report --results results/quick --out paper/quick [--strict] [--fonts DIR].
/// Exit codes: 0 written; 1 written but results missing or partial with --strict; 2 bad input.</summary>
public static class ReportCli
{
    public const int Ok = 0;
    public const int Incomplete = 1;
    public const int BadInput = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var results = new Option<string>("--results") { Description = "The results folder of one profile, e.g. results/quick.", Required = true };
        var output = new Option<string>("--out") { Description = "Where the report goes, e.g. paper/quick (outside --results; only files an earlier ee-report wrote there are replaced).", Required = true };
        var strict = new Option<bool>("--strict") { Description = "Exit 1 if any result is missing or partial (the report is still written)." };
        var fonts = new Option<string?>("--fonts") { Description = "Folder with DejaVuSans*.ttf (default /usr/share/fonts/truetype/dejavu or $EE_REPORT_FONTS)." };
        var root = new RootCommand("ee-report: figures, claims table and report (PDF + Markdown) from a results folder.")
        {
            results, output, strict, fonts,
        };
        root.SetAction(parse =>
        {
            try
            {
                var o = ReportGenerator.Generate(new ReportOptions(parse.GetValue(results)!, parse.GetValue(output)!, parse.GetValue(strict), parse.GetValue(fonts)));
                stdout.WriteLine($"ee-report: wrote {o.OutDir} ({o.Pdf.Pages} pages, {o.Pdf.Figures} figures, {o.Pdf.Tables} tables); claims: {o.Holds} hold, {o.DoesNotHold} do not hold, {o.Inconclusive} inconclusive");
                foreach (var m in o.Missing)
                {
                    stdout.WriteLine("ee-report: missing: " + m.ReplaceLineEndings(" "));
                }

                if (o.ExitCode != Ok)
                {
                    stderr.WriteLine($"ee-report: {o.Missing.Count} result(s) missing or partial (--strict)");
                }

                return o.ExitCode;
            }
            catch (ReportInputException e)
            {
                stderr.WriteLine("ee-report: " + e.Message.ReplaceLineEndings(" "));
                return BadInput;
            }
        });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine("ee-report: " + parsed.Errors[0].Message + " (see --help)");
            return BadInput;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
