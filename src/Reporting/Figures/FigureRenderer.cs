using SkiaSharp;

namespace EEArtifacts.Reporting.Figures;

/// <summary>Draws a figure's panels onto any SKCanvas (raster, SVG or a PDF page), so the PDF keeps
/// vector figures. Each panel: ScottPlot's layout is settled with RenderInMemory first, the canvas is
/// not cleared, and the canvas state is saved and restored around ScottPlot (which scales without
/// saving it).</summary>
public static partial class FigureRenderer
{
    public static IReadOnlyDictionary<string, int> ColorMap(FigureSpec figure)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in figure.Panels.SelectMany(p => p.Series))
        {
            map.TryAdd(s.Key, map.Count);
        }

        return map;
    }

    /// <summary>Draws the figure with its top-left corner at (x, y), scaled by <paramref name="scale"/>
    /// (1 = one canvas unit per pixel of <see cref="FigureSpec.Width"/>).</summary>
    public static void Draw(FigureSpec figure, SKCanvas canvas, float x, float y, float scale)
    {
        var colors = ColorMap(figure);
        for (var i = 0; i < figure.Panels.Count; i++)
        {
            var row = i / figure.Columns;
            var col = i % figure.Columns;
            using var plot = PlotFactory.Build(figure.Panels[i], colors);
            plot.RenderInMemory(figure.PanelWidth, figure.PanelHeight);
            canvas.Save();
            canvas.Translate(x + col * figure.PanelWidth * scale, y + row * figure.PanelHeight * scale);
            canvas.Scale(scale);
            canvas.ClipRect(new SKRect(0, 0, figure.PanelWidth, figure.PanelHeight));
            plot.Render(canvas, new ScottPlot.PixelRect(new ScottPlot.PixelSize(figure.PanelWidth, figure.PanelHeight)));
            canvas.Restore();
        }
    }

    public static byte[] Png(FigureSpec figure)
    {
        var info = new SKImageInfo(figure.Width, figure.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        Draw(figure, surface.Canvas, 0, 0, 1);
        surface.Canvas.Flush();
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static byte[] Svg(FigureSpec figure)
    {
        using var stream = new MemoryStream();
        using (var managed = new SKManagedWStream(stream))
        {
            using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, figure.Width, figure.Height), managed))
            {
                using var white = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Fill };
                canvas.DrawRect(new SKRect(0, 0, figure.Width, figure.Height), white);
                Draw(figure, canvas, 0, 0, 1);
            }

            managed.Flush();
        }

        return RenumberIds(stream.ToArray());
    }

    /// <summary>Skia's SVG canvas numbers clip paths and other resources from a process-wide counter, so
    /// the same figure drawn twice gets different ids. Renumber them in document order.</summary>
    private static byte[] RenumberIds(byte[] svg)
    {
        var text = System.Text.Encoding.UTF8.GetString(svg);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in IdDefinition().Matches(text))
        {
            var id = m.Groups[1].Value;
            if (!map.ContainsKey(id))
            {
                var prefix = id[..(id.LastIndexOf('_') + 1)];
                map[id] = prefix + "r" + map.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        text = IdUse().Replace(text, m => map.TryGetValue(m.Groups[2].Value, out var n) ? m.Groups[1].Value + n : m.Value);
        return System.Text.Encoding.UTF8.GetBytes(text);
    }

    [System.Text.RegularExpressions.GeneratedRegex("\\bid=\"([A-Za-z]+_[0-9A-Za-z]+)\"")]
    private static partial System.Text.RegularExpressions.Regex IdDefinition();

    [System.Text.RegularExpressions.GeneratedRegex("(\\bid=\"|url\\(#|href=\"#)([A-Za-z]+_[0-9A-Za-z]+)")]
    private static partial System.Text.RegularExpressions.Regex IdUse();
}
