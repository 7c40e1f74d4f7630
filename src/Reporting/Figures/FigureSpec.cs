namespace EEArtifacts.Reporting.Figures;

public enum SeriesStyle
{
    /// <summary>Measured points joined by a line, with error bars if given.</summary>
    LineMarkers,

    /// <summary>Measured points only, with error bars if given.</summary>
    Markers,

    /// <summary>A line with a shaded band of ±error (training curves).</summary>
    LineBand,

    /// <summary>A dashed line without markers (theory, fits).</summary>
    Theory,
}

/// <summary>One curve. <paramref name="ColorKey"/> picks the colour (same key, same colour within a figure).</summary>
public sealed record SeriesSpec(string Label, double[] X, double[] Y, double[]? Err = null, SeriesStyle Style = SeriesStyle.LineMarkers, string? ColorKey = null)
{
    public string Key => ColorKey ?? Label;
}

/// <summary>Where a panel draws its legend.</summary>
public enum LegendPlacement
{
    Corner,
    Outside,
    None,
}

/// <summary>A horizontal or vertical reference line.</summary>
public sealed record RefLine(double Value, string Label, bool Vertical = false);

/// <summary>One panel of a figure: axes and what is drawn on them, free of ScottPlot types.</summary>
public sealed class PanelSpec
{
    public string Title { get; init; } = "";

    public string XLabel { get; init; } = "";

    public string YLabel { get; init; } = "";

    public bool LogX { get; init; }

    public bool LogY { get; init; }

    public List<SeriesSpec> Series { get; } = [];

    public List<RefLine> Lines { get; } = [];

    /// <summary>Horizontal bars (label, value), drawn instead of series when not empty.</summary>
    public List<(string Label, double Value)> Bars { get; } = [];

    /// <summary>Categorical x ticks (position, label); when set they replace numeric ticks.</summary>
    public List<(double Position, string Label)> XTicks { get; } = [];

    /// <summary>Where the legend goes: the emptiest corner (default), beside the axes (scatters that fill every
    /// corner), or nowhere (a panel that shares the legend of its neighbour).</summary>
    public LegendPlacement Legend { get; init; } = LegendPlacement.Corner;

    /// <summary>A short text drawn in a corner (fitted slopes and the like).</summary>
    public string? Note { get; set; }

    public bool HasData => Series.Any(s => s.X.Length > 0) || Bars.Count > 0;

    /// <summary>A fixed y range (linear axes only); null lets the plot fit its data.</summary>
    public (double Min, double Max)? YRange { get; set; }

    /// <summary>Gives <paramref name="panels"/> one y range covering all their points and error bars (5% margin), so
    /// panels that compare families can be read against each other.</summary>
    public static void ShareY(IReadOnlyCollection<PanelSpec> panels)
    {
        var ys = panels.SelectMany(p => p.Series).SelectMany(s => s.Y.Select((y, i) => (y, e: s.Err is { } err ? Math.Abs(err[i]) : 0)))
            .Where(v => double.IsFinite(v.y)).SelectMany(v => new[] { v.y - (double.IsFinite(v.e) ? v.e : 0), v.y + (double.IsFinite(v.e) ? v.e : 0) }).ToList();
        if (ys.Count == 0)
        {
            return;
        }

        double lo = ys.Min(), hi = ys.Max(), pad = Math.Max(hi - lo, 1e-6) * 0.05;
        foreach (var p in panels)
        {
            p.YRange = (lo - pad, hi + pad);
        }
    }
}

/// <summary>A figure: panels on a grid, a caption, and the stem of its files under figures/.</summary>
public sealed class FigureSpec
{
    public required string Id { get; init; }

    public required string Caption { get; init; }

    public List<PanelSpec> Panels { get; } = [];

    public int Columns { get; init; } = 2;

    /// <summary>Size of one panel in pixels (PNG) or SVG units.</summary>
    public int PanelWidth { get; init; } = 520;

    public int PanelHeight { get; init; } = 380;

    public int Rows => (Panels.Count + Columns - 1) / Math.Max(1, Columns);

    public int Width => PanelWidth * Math.Min(Columns, Math.Max(1, Panels.Count));

    public int Height => PanelHeight * Math.Max(1, Rows);
}
