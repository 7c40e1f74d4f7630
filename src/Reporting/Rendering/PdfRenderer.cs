using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Model;
using SkiaSharp;

namespace EEArtifacts.Reporting.Rendering;

/// <summary>What the PDF renderer produced, for checks.</summary>
public sealed record PdfSummary(int Pages, int ContentsPages, int Figures, int Tables);

/// <summary>Renders a <see cref="Report"/> to an A4 PDF with SkiaSharp's PDF backend: vector figures,
/// embedded fonts, a contents page, page numbers. No dates and PDF/A off, so the same report gives the
/// same bytes.</summary>
public sealed class PdfRenderer : IDisposable
{
    private const float PageW = 595.28f;
    private const float PageH = 841.89f;
    private const float Margin = 56f;
    private const float ContentW = PageW - 2 * Margin;
    private const float Top = Margin;
    private const float Bottom = PageH - Margin;

    private readonly SKFont _title, _h1, _h2, _body, _bold, _small, _italic, _table, _tableBold, _footer;
    private readonly SKPaint _ink, _muted, _warn, _rule, _shade, _holds, _fails;

    public PdfRenderer(FontSet fonts)
    {
        SKFont F(SKTypeface t, float size) => new(t, size) { Subpixel = true, Edging = SKFontEdging.Antialias };
        _title = F(fonts.Bold, 20);
        _h1 = F(fonts.Bold, 14);
        _h2 = F(fonts.Bold, 11);
        _body = F(fonts.Regular, 9.5f);
        _bold = F(fonts.Bold, 9.5f);
        _small = F(fonts.Regular, 8f);
        _italic = F(fonts.Italic, 8.5f);
        _table = F(fonts.Regular, 7.5f);
        _tableBold = F(fonts.Bold, 7.5f);
        _footer = F(fonts.Regular, 8f);
        SKPaint P(string hex, SKPaintStyle style = SKPaintStyle.Fill, float width = 0) =>
            new() { Color = SKColor.Parse(hex), Style = style, StrokeWidth = width, IsAntialias = true };
        _ink = P("#1a1a1a");
        _muted = P("#555555");
        _warn = P("#D55E00");
        _holds = P("#007A5A");
        _fails = P("#C0392B");
        _rule = P("#999999", SKPaintStyle.Stroke, 0.5f);
        _shade = P("#EEEEEE");
    }

    public PdfSummary Render(Report report, Stream output, string footerText)
    {
        var numbering = new Numbering(report);
        var layout = new Layout();
        var starts = new Dictionary<Section, int>();
        foreach (var section in report.Sections)
        {
            layout.NewPage();
            starts[section] = layout.PageIndex;
            LayoutSection(layout, section, numbering);
        }

        // Contents: title block, then one line per section.
        var titleLines = TextLayout.Wrap(report.Title, _title, ContentW);
        var subtitleLines = TextLayout.Wrap(report.Subtitle, _body, ContentW);
        var headerH = titleLines.Count * 26 + subtitleLines.Count * 13 + 40;
        const float entryH = 15;
        var firstPageEntries = (int)((Bottom - Top - headerH) / entryH);
        var perPage = (int)((Bottom - Top - 30) / entryH);
        var entries = report.Sections.Count;
        var contentsPages = entries <= firstPageEntries ? 1 : 1 + (int)Math.Ceiling((entries - firstPageEntries) / (double)perPage);
        var total = contentsPages + layout.Pages.Count;

        var metadata = SKDocumentPdfMetadata.Default;
        metadata.Title = report.Title;
        metadata.Author = "EEArtifacts";
        metadata.Subject = report.Subtitle;
        metadata.Creator = "ee-report";
        metadata.Producer = "ee-report (SkiaSharp PDF)";
        metadata.Creation = null;
        metadata.Modified = null;
        metadata.PdfA = false;

        using var doc = SKDocument.CreatePdf(output, metadata);
        var entry = 0;
        for (var p = 0; p < contentsPages; p++)
        {
            var canvas = doc.BeginPage(PageW, PageH);
            var y = Top;
            if (p == 0)
            {
                foreach (var l in titleLines)
                {
                    canvas.DrawText(l, Margin, y + 20, SKTextAlign.Left, _title, _ink);
                    y += 26;
                }

                foreach (var l in subtitleLines)
                {
                    canvas.DrawText(l, Margin, y + 10, SKTextAlign.Left, _body, _muted);
                    y += 13;
                }

                y += 14;
            }

            canvas.DrawText(p == 0 ? "Contents" : "Contents (continued)", Margin, y + 14, SKTextAlign.Left, _h1, _ink);
            y += 26;
            while (entry < entries && y + entryH <= Bottom)
            {
                var s = report.Sections[entry];
                var page = contentsPages + starts[s] + 1;
                var label = numbering.SectionTitle(s);
                var pageText = page.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var maxW = ContentW - 40;
                if (_body.MeasureText(label) > maxW)
                {
                    label = TextLayout.Wrap(label, _body, maxW - 10)[0] + " …";
                }

                canvas.DrawText(label, Margin, y + 10, SKTextAlign.Left, _body, _ink);
                canvas.DrawText(pageText, PageW - Margin, y + 10, SKTextAlign.Right, _body, _ink);
                canvas.DrawLinkDestinationAnnotation(new SKRect(Margin, y, PageW - Margin, y + entryH), s.Anchor);
                y += entryH;
                entry++;
            }

            Footer(canvas, p + 1, total, footerText);
            doc.EndPage();
        }

        for (var i = 0; i < layout.Pages.Count; i++)
        {
            var canvas = doc.BeginPage(PageW, PageH);
            foreach (var op in layout.Pages[i])
            {
                op(canvas);
            }

            Footer(canvas, contentsPages + i + 1, total, footerText);
            doc.EndPage();
        }

        doc.Close();
        return new PdfSummary(total, contentsPages, numbering.FigureCount, numbering.TableCount);
    }

    private void Footer(SKCanvas canvas, int page, int total, string text)
    {
        var y = PageH - Margin / 2;
        canvas.DrawLine(Margin, y - 11, PageW - Margin, y - 11, _rule);
        canvas.DrawText(text, Margin, y, SKTextAlign.Left, _footer, _muted);
        canvas.DrawText($"page {page} of {total}", PageW - Margin, y, SKTextAlign.Right, _footer, _muted);
    }

    private void LayoutSection(Layout layout, Section section, Numbering numbering)
    {
        var heading = numbering.SectionTitle(section);
        var anchor = section.Anchor;
        var lines = TextLayout.Wrap(heading, _h1, ContentW);
        var y0 = layout.Y;
        layout.Add(c => c.DrawNamedDestinationAnnotation(new SKPoint(Margin, y0), anchor));
        Lines(layout, lines, _h1, _ink, Margin, 18);
        layout.Y += 6;
        foreach (var block in section.Blocks)
        {
            switch (block)
            {
                case Paragraph p:
                    LayoutParagraph(layout, p);
                    break;
                case Subheading h:
                    layout.Ensure(40);
                    layout.Y += 4;
                    Lines(layout, TextLayout.Wrap(h.Text, _h2, ContentW), _h2, _ink, Margin, 15);
                    layout.Y += 2;
                    break;
                case FigureBlock f:
                    LayoutFigure(layout, f.Figure, numbering.Figure(f.Figure));
                    break;
                case TableBlock t:
                    LayoutTable(layout, t, numbering.Table(t));
                    break;
                case ClaimsBlock c:
                    LayoutTable(layout, c.ToTable(), numbering.Table(c));
                    if (!c.IsSummary)
                    {
                        foreach (var line in c.RuleLines)
                        {
                            LayoutParagraph(layout, new Paragraph(line, ParagraphStyle.Small));
                        }
                    }

                    break;
            }
        }
    }

    private void LayoutParagraph(Layout layout, Paragraph p)
    {
        var (font, paint, lineH, indent) = p.Style switch
        {
            ParagraphStyle.Bullet => (_body, _ink, 12.5f, 12f),
            ParagraphStyle.Warning => (_bold, _warn, 12.5f, 0f),
            ParagraphStyle.Small => (_small, _muted, 10.5f, 0f),
            _ => (_body, _ink, 12.5f, 0f),
        };
        var lines = TextLayout.Wrap(p.Text, font, ContentW - indent);
        if (p.Style == ParagraphStyle.Bullet)
        {
            layout.Ensure(lineH);
            var y = layout.Y;
            layout.Add(c => c.DrawText("•", Margin + 2, y + font.Size, SKTextAlign.Left, font, paint));
        }

        Lines(layout, lines, font, paint, Margin + indent, lineH);
        layout.Y += p.Style == ParagraphStyle.Small ? 3 : 6;
    }

    private static void Lines(Layout layout, IEnumerable<string> lines, SKFont font, SKPaint paint, float x, float lineH)
    {
        foreach (var line in lines)
        {
            layout.Ensure(lineH);
            var y = layout.Y;
            var text = line;
            layout.Add(c => c.DrawText(text, x, y + font.Size, SKTextAlign.Left, font, paint));
            layout.Y += lineH;
        }
    }

    private void LayoutFigure(Layout layout, FigureSpec figure, int number)
    {
        var caption = TextLayout.Wrap($"Figure {number}: {figure.Caption}", _italic, ContentW);
        var captionH = caption.Count * 11f + 4;
        var scale = ContentW / figure.Width;
        var maxH = (Bottom - Top) * 0.8f - captionH;
        if (figure.Height * scale > maxH)
        {
            scale = maxH / figure.Height;
        }

        var h = figure.Height * scale;
        layout.Ensure(h + captionH + 8);
        var y = layout.Y;
        var x = Margin + (ContentW - figure.Width * scale) / 2;
        layout.Add(c => FigureRenderer.Draw(figure, c, x, y, scale));
        layout.Y += h + 4;
        Lines(layout, caption, _italic, _muted, Margin, 11);
        layout.Y += 10;
    }

    private void LayoutTable(Layout layout, TableBlock table, int number)
    {
        var caption = TextLayout.Wrap($"Table {number}: {table.Caption}", _italic, ContentW);
        const float pad = 3f, lineH = 9.5f;
        var weights = table.Weights.Count == table.Headers.Count ? table.Weights : table.Headers.Select(_ => 1f).ToList();
        var sum = weights.Sum();
        var widths = weights.Select(w => ContentW * w / sum).ToArray();
        var xs = new float[widths.Length];
        for (var i = 1; i < xs.Length; i++)
        {
            xs[i] = xs[i - 1] + widths[i - 1];
        }

        List<string>[] Wrap(IReadOnlyList<string> cells, SKFont font) =>
            widths.Select((w, i) => TextLayout.Wrap(i < cells.Count ? cells[i] : "", font, w - 2 * pad)).ToArray();

        var header = Wrap(table.Headers, _tableBold);
        var headerH = header.Max(c => c.Count) * lineH + 2 * pad;
        var verdictCol = table.Headers.ToList().IndexOf("Verdict");

        layout.Ensure(caption.Count * 11f + headerH + 30);
        Lines(layout, caption, _italic, _muted, Margin, 11);
        layout.Y += 2;

        void DrawHeader()
        {
            var y = layout.Y;
            layout.Add(c =>
            {
                c.DrawRect(new SKRect(Margin, y, Margin + ContentW, y + headerH), _shade);
                for (var i = 0; i < header.Length; i++)
                {
                    for (var l = 0; l < header[i].Count; l++)
                    {
                        c.DrawText(header[i][l], Margin + xs[i] + pad, y + pad + l * lineH + _tableBold.Size, SKTextAlign.Left, _tableBold, _ink);
                    }
                }

                c.DrawLine(Margin, y + headerH, Margin + ContentW, y + headerH, _rule);
            });
            layout.Y += headerH;
        }

        DrawHeader();
        foreach (var row in table.Rows)
        {
            var cells = Wrap(row, _table);
            var h = Math.Max(1, cells.Max(c => c.Count)) * lineH + 2 * pad;
            if (layout.Y + h > Bottom)
            {
                layout.NewPage();
                DrawHeader();
            }

            var y = layout.Y;
            layout.Add(c =>
            {
                for (var i = 0; i < cells.Length; i++)
                {
                    var paint = _ink;
                    if (i == verdictCol && i < row.Length)
                    {
                        paint = row[i] == "holds" ? _holds : row[i] == "does not hold" ? _fails : _muted;
                    }

                    for (var l = 0; l < cells[i].Count; l++)
                    {
                        c.DrawText(cells[i][l], Margin + xs[i] + pad, y + pad + l * lineH + _table.Size, SKTextAlign.Left, _table, paint);
                    }
                }

                c.DrawLine(Margin, y + h, Margin + ContentW, y + h, _rule);
            });
            layout.Y += h;
        }

        layout.Y += 12;
    }

    public void Dispose()
    {
        foreach (var f in new[] { _title, _h1, _h2, _body, _bold, _small, _italic, _table, _tableBold, _footer })
        {
            f.Dispose();
        }

        foreach (var p in new[] { _ink, _muted, _warn, _rule, _shade, _holds, _fails })
        {
            p.Dispose();
        }
    }

    /// <summary>Pages as lists of deferred drawing operations, with a vertical cursor.</summary>
    private sealed class Layout
    {
        public List<List<Action<SKCanvas>>> Pages { get; } = [];

        public int PageIndex => Pages.Count - 1;

        public float Y { get; set; } = Top;

        public void NewPage()
        {
            Pages.Add([]);
            Y = Top;
        }

        public void Ensure(float height)
        {
            if (Pages.Count == 0 || (Y + height > Bottom && Y > Top + 1))
            {
                NewPage();
            }
        }

        public void Add(Action<SKCanvas> op)
        {
            if (Pages.Count == 0)
            {
                NewPage();
            }

            Pages[^1].Add(op);
        }
    }
}
