using System.Text;
using EEArtifacts.Reporting.Model;

namespace EEArtifacts.Reporting.Rendering;

/// <summary>Renders a <see cref="Report"/> as GitHub-flavoured Markdown with relative links to the PNG
/// figures (and their SVG twins) under figures/.</summary>
public static class MarkdownRenderer
{
    public static string Render(Report report, string figuresFolder = "figures", string? pdfName = null)
    {
        var n = new Numbering(report);
        var sb = new StringBuilder();
        sb.Append("# ").Append(Inline(report.Title)).Append('\n').Append('\n');
        if (report.Subtitle.Length > 0)
        {
            sb.Append(Inline(report.Subtitle)).Append('\n').Append('\n');
        }

        if (pdfName is not null)
        {
            sb.Append("The same report as a PDF: [").Append(pdfName).Append("](").Append(pdfName).Append(").\n\n");
        }

        sb.Append("## Contents\n\n");
        foreach (var s in report.Sections)
        {
            sb.Append("- [").Append(Inline(n.SectionTitle(s))).Append("](#").Append(s.Anchor).Append(")\n");
        }

        sb.Append('\n');
        foreach (var s in report.Sections)
        {
            sb.Append("<a id=\"").Append(s.Anchor).Append("\"></a>\n\n");
            sb.Append("## ").Append(Inline(n.SectionTitle(s))).Append("\n\n");
            foreach (var b in s.Blocks)
            {
                switch (b)
                {
                    case Paragraph p:
                        sb.Append(p.Style switch
                        {
                            ParagraphStyle.Bullet => "- " + Inline(p.Text),
                            ParagraphStyle.Warning => "> **" + Inline(p.Text) + "**",
                            ParagraphStyle.Small => "<sub>" + Inline(p.Text) + "</sub>",
                            _ => Inline(p.Text),
                        }).Append("\n\n");
                        break;
                    case Subheading h:
                        sb.Append("### ").Append(Inline(h.Text)).Append("\n\n");
                        break;
                    case FigureBlock f:
                        var num = n.Figure(f.Figure);
                        var png = $"{figuresFolder}/{f.Figure.Id}.png";
                        var svg = $"{figuresFolder}/{f.Figure.Id}.svg";
                        sb.Append("![Figure ").Append(num).Append("](").Append(png).Append(")\n\n");
                        sb.Append("*Figure ").Append(num).Append(": ").Append(Inline(f.Figure.Caption)).Append("* ([SVG](").Append(svg).Append("))\n\n");
                        break;
                    case TableBlock t:
                        Table(sb, t, n.Table(t));
                        break;
                    case ClaimsBlock c:
                        Table(sb, c.ToTable(), n.Table(c));
                        if (!c.IsSummary)
                        {
                            foreach (var line in c.RuleLines)
                            {
                                sb.Append("- ").Append(Inline(line)).Append('\n');
                            }

                            sb.Append('\n');
                        }

                        break;
                }
            }
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    private static void Table(StringBuilder sb, TableBlock t, int number)
    {
        sb.Append("*Table ").Append(number).Append(": ").Append(Inline(t.Caption)).Append("*\n\n");
        sb.Append("| ").Append(string.Join(" | ", t.Headers.Select(Cell))).Append(" |\n");
        sb.Append('|').Append(string.Concat(t.Headers.Select(_ => "---|"))).Append('\n');
        foreach (var r in t.Rows)
        {
            var cells = t.Headers.Select((_, i) => i < r.Length ? Cell(r[i]) : "");
            sb.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        }

        sb.Append('\n');
    }

    private static string Cell(string s) => Inline(s).Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);

    /// <summary>Escapes the characters that would turn plain text into Markdown markup.</summary>
    private static string Inline(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            if (c is '*' or '_' or '`' or '<' or '>' or '[' or ']' or '#' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
