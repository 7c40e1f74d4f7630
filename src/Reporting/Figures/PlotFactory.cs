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
            var xs = panel.Series.SelectMany(s => s.X).Where(x => x > 0 && double.IsFinite(x)).Distinct().Order().ToArray();
            var ticks = xs.Length is > 0 and <= 10 ? xs : NiceLogTicks(xs);
            plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(Label).ToArray());
        }

        if (panel.LogY)
        {
            var ys = panel.Series.SelectMany(s => s.Y.Zip(s.Err ?? new double[s.Y.Length], (y, e) => new[] { y, y + Math.Abs(e), y - Math.Abs(e) }))
                .SelectMany(v => v).Where(y => y > 0 && double.IsFinite(y)).ToArray();
            var ticks = NiceLogTicks(ys);
            plot.Axes.Left.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(Label).ToArray());
        }

        if (panel.YRange is { } range && !panel.LogY)
        {
            plot.Axes.SetLimitsY(range.Min, range.Max);
        }

        if (panel.XTicks.Count > 0)
        {
            plot.Axes.Bottom.SetTicks(panel.XTicks.Select(t => t.Position).ToArray(), panel.XTicks.Select(t => t.Label).ToArray());
        }

        if (!string.IsNullOrEmpty(panel.Note))
        {
            var a = plot.Add.Annotation(panel.Note, Alignment.LowerLeft);
            a.LabelFontSize = 13;
            a.LabelBackgroundColor = Colors.White.WithAlpha(0.85);
            a.LabelShadowColor = Colors.Transparent;
        }

        if (panel.Legend != LegendPlacement.None && (panel.Series.Any(s => s.Label.Length > 0) || panel.Lines.Any(l => l.Label.Length > 0)))
        {
            plot.Legend.FontSize = 12;
            plot.Legend.FontName = FontSet.Family;
            if (panel.Legend == LegendPlacement.Outside)
            {
                plot.ShowLegend(Edge.Right);
            }
            else
            {
                plot.ShowLegend(LegendCorner(panel));
            }
        }
        else
        {
            plot.HideLegend(); // ScottPlot shows labelled plottables by default
        }

        return plot;
    }

    /// <summary>The corner with the fewest data points, so the legend hides as little as possible
    /// (lower left is kept free for the panel's note).</summary>
    private static Alignment LegendCorner(PanelSpec panel)
    {
        var pts = panel.Series
            .SelectMany(s => s.X.Zip(s.Y, (x, y) => (x: Tx(x, panel.LogX), y: Tx(y, panel.LogY))))
            .Where(p => double.IsFinite(p.x) && double.IsFinite(p.y)).ToList();
        if (pts.Count == 0)
        {
            return Alignment.UpperRight;
        }

        double x0 = pts.Min(p => p.x), x1 = pts.Max(p => p.x), y0 = pts.Min(p => p.y), y1 = pts.Max(p => p.y);
        var w = Math.Max(x1 - x0, 1e-12);
        var h = Math.Max(y1 - y0, 1e-12);
        int Count(bool right, bool upper) => pts.Count(p =>
            (right ? p.x >= x1 - 0.45 * w : p.x <= x0 + 0.45 * w) && (upper ? p.y >= y1 - 0.4 * h : p.y <= y0 + 0.4 * h));
        var candidates = new List<(Alignment A, int N)>
        {
            (Alignment.UpperRight, Count(true, true)),
            (Alignment.UpperLeft, Count(false, true)),
            (Alignment.LowerRight, Count(true, false)),
        };
        if (string.IsNullOrEmpty(panel.Note))
        {
            candidates.Add((Alignment.LowerLeft, Count(false, false)));
        }

        candidates.Add((Alignment.MiddleRight, pts.Count(p => p.x >= x1 - 0.45 * w && p.y > y0 + 0.3 * h && p.y < y1 - 0.3 * h) + 1));
        return candidates.OrderBy(c => c.N).First().A;
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

    private static string Label(double v) =>
        v is >= 1e-3 and < 1e5 ? v.ToString("G4", CultureInfo.InvariantCulture) : v.ToString("0.#E+0", CultureInfo.InvariantCulture);

    /// <summary>Tick values for a log axis: powers of ten over wide ranges, 1-2-5 steps over a few decades,
    /// finer steps within one decade. Positions are exact values, so labels are round numbers.</summary>
    private static double[] NiceLogTicks(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return [];
        }

        var lo = values.Min();
        var hi = values.Max();
        var span = Math.Log10(hi) - Math.Log10(lo);
        double[] mantissas = span >= 3 ? [1] : span >= 0.8 ? [1, 2, 5] : [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
        var ticks = new List<double>();
        for (var k = (int)Math.Floor(Math.Log10(lo)) - 1; k <= (int)Math.Ceiling(Math.Log10(hi)) + 1; k++)
        {
            foreach (var m in mantissas)
            {
                var v = m * Math.Pow(10, k);
                if (v >= lo / 1.15 && v <= hi * 1.15)
                {
                    ticks.Add(double.Parse(v.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                }
            }
        }

        if (ticks.Count < 2)
        {
            ticks = [lo, hi];
        }

        return ticks.ToArray();
    }
}
