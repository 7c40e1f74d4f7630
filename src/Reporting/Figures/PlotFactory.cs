using System.Globalization;
using ScottPlot;

namespace EEArtifacts.Reporting.Figures;

/// <summary>Turns a <see cref="PanelSpec"/> into a ScottPlot plot. Log axes are drawn the ScottPlot 5
/// way: data are log10-transformed and tick labels show 10^v, with log-spaced minor ticks.</summary>
public static class PlotFactory
{
    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp, MarkerShape.Cross];

    public static Plot Build(PanelSpec panel, IReadOnlyDictionary<string, int> colors)
    {
        var plot = new Plot();
        plot.RenderManager.ClearCanvasBeforeEachRender = false;
        plot.Font.Set(FontSet.Family);
        plot.Axes.Title.Label.Text = panel.Title;
        plot.Axes.Title.Label.FontSize = 17;
        plot.Axes.Title.Label.Bold = true;
        plot.XLabel(panel.XLabel + (panel.LogX ? " (log scale)" : ""), 15);
        plot.YLabel(panel.YLabel + (panel.LogY ? " (log scale)" : ""), 15);
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.TickLabelStyle.FontSize = 13;
        }

        if (!panel.HasData)
        {
            var a = plot.Add.Annotation("no data", Alignment.MiddleCenter);
            a.LabelFontSize = 18;
            return plot;
        }

        if (panel.Bars.Count > 0)
        {
            AddBars(plot, panel);
        }
        else
        {
            var shape = 0;
            foreach (var s in panel.Series)
            {
                AddSeries(plot, panel, s, colors.TryGetValue(s.Key, out var c) ? c : 0, s.Style == SeriesStyle.Theory ? 0 : shape++);
            }
        }

        foreach (var line in panel.Lines)
        {
            var v = line.Vertical ? Tx(line.Value, panel.LogX) : Tx(line.Value, panel.LogY);
            if (!double.IsFinite(v))
            {
                continue;
            }

            var l = line.Vertical ? (ScottPlot.Plottables.AxisLine)plot.Add.VerticalLine(v, 1.5f, Colors.Gray, LinePattern.Dotted)
                : plot.Add.HorizontalLine(v, 1.5f, Colors.Gray, LinePattern.Dotted);
            l.LegendText = line.Label;
        }

        if (panel.LogX)
        {
            var xs = panel.Series.SelectMany(s => s.X).Where(x => x > 0).Distinct().Order().ToArray();
            if (xs.Length is > 0 and <= 10)
            {
                plot.Axes.Bottom.SetTicks(xs.Select(Math.Log10).ToArray(), xs.Select(x => x.ToString("G4", CultureInfo.InvariantCulture)).ToArray());
            }
            else
            {
                plot.Axes.Bottom.TickGenerator = LogTicks(Span(xs));
            }
        }

        if (panel.XTicks.Count > 0)
        {
            plot.Axes.Bottom.SetTicks(panel.XTicks.Select(t => t.Position).ToArray(), panel.XTicks.Select(t => t.Label).ToArray());
        }

        if (panel.LogY)
        {
            plot.Axes.Left.TickGenerator = LogTicks(Span(panel.Series.SelectMany(s => s.Y).Where(y => y > 0)));
        }

        if (!string.IsNullOrEmpty(panel.Note))
        {
            var a = plot.Add.Annotation(panel.Note, Alignment.LowerLeft);
            a.LabelFontSize = 13;
            a.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
            a.LabelShadowColor = Colors.Transparent;
        }

        if (panel.Series.Any(s => s.Label.Length > 0) || panel.Lines.Any(l => l.Label.Length > 0))
        {
            plot.Legend.FontSize = 12;
            plot.Legend.FontName = FontSet.Family;
            plot.ShowLegend(Alignment.UpperRight);
        }

        return plot;
    }

    private static double Tx(double v, bool log) => log ? (v > 0 ? Math.Log10(v) : double.NaN) : v;

    private static void AddSeries(Plot plot, PanelSpec panel, SeriesSpec s, int colorIndex, int shapeIndex)
    {
        var color = Palette.Color(colorIndex);
        var xs = new List<double>();
        var ys = new List<double>();
        var up = new List<double>();
        var down = new List<double>();
        for (var i = 0; i < s.X.Length; i++)
        {
            var x = Tx(s.X[i], panel.LogX);
            var y = Tx(s.Y[i], panel.LogY);
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                continue;
            }

            xs.Add(x);
            ys.Add(y);
            var e = s.Err is { } err && i < err.Length && double.IsFinite(err[i]) ? Math.Abs(err[i]) : 0;
            if (panel.LogY)
            {
                var hi = Math.Log10(s.Y[i] + e) - y;
                var lo = s.Y[i] - e > 0 ? y - Math.Log10(s.Y[i] - e) : 0;
                up.Add(hi);
                down.Add(lo);
            }
            else
            {
                up.Add(e);
                down.Add(e);
            }
        }

        if (xs.Count == 0)
        {
            return;
        }

        var hasErr = s.Err is not null && up.Any(v => v > 0);
        if (s.Style == SeriesStyle.LineBand && hasErr)
        {
            var band = plot.Add.FillY(xs.ToArray(), ys.Select((y, i) => y - down[i]).ToArray(), ys.Select((y, i) => y + up[i]).ToArray());
            band.FillColor = color.WithAlpha(0.2);
            band.LineWidth = 0;
        }

        var sc = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        sc.LegendText = s.Label;
        switch (s.Style)
        {
            case SeriesStyle.Theory:
                sc.LineWidth = 2;
                sc.LinePattern = LinePattern.Dashed;
                sc.MarkerSize = 0;
                break;
            case SeriesStyle.Markers:
                sc.LineWidth = 0;
                sc.MarkerSize = 7;
                sc.MarkerShape = Shapes[shapeIndex % Shapes.Length];
                break;
            case SeriesStyle.LineBand:
                sc.LineWidth = 2;
                sc.MarkerSize = 0;
                break;
            default:
                sc.LineWidth = 1.8f;
                sc.MarkerSize = 7;
                sc.MarkerShape = Shapes[shapeIndex % Shapes.Length];
                break;
        }

        if (hasErr && s.Style != SeriesStyle.LineBand)
        {
            var eb = new ScottPlot.Plottables.ErrorBar(xs, ys, null, null, up, down)
            {
                Color = color,
                LineWidth = 1.3f,
                CapSize = 4,
            };
            plot.Add.Plottable(eb);
        }
    }

    private static void AddBars(Plot plot, PanelSpec panel)
    {
        var bars = panel.Bars.Select((b, i) => new Bar
        {
            Position = panel.Bars.Count - 1 - i,
            Value = b.Value,
            FillColor = Palette.Color(b.Value <= 1 ? 0 : 1),
            LineWidth = 0,
        }).ToList();
        var bp = plot.Add.Bars(bars);
        bp.Horizontal = true;
        plot.Axes.Left.SetTicks(
            panel.Bars.Select((_, i) => (double)(panel.Bars.Count - 1 - i)).ToArray(),
            panel.Bars.Select(b => b.Label.Length > 38 ? b.Label[..36] + "…" : b.Label).ToArray());
        plot.Axes.Left.TickLabelStyle.FontSize = 11;
        plot.Axes.Margins(left: 0, bottom: 0.05);
    }

    private static double Span(IEnumerable<double> positive)
    {
        var a = positive.Where(v => v > 0 && double.IsFinite(v)).ToArray();
        return a.Length == 0 ? 0 : Math.Log10(a.Max()) - Math.Log10(a.Min());
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks(double decades) => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = decades >= 2,
        LabelFormatter = v => FormatPow10(v),
    };

    private static string FormatPow10(double v)
    {
        var x = Math.Pow(10, v);
        return x is >= 0.01 and < 1e5 ? x.ToString("G3", CultureInfo.InvariantCulture) : x.ToString("0E+0", CultureInfo.InvariantCulture);
    }
}
