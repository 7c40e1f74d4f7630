using SkiaSharp;

namespace EEArtifacts.Reporting.Figures;

/// <summary>Okabe-Ito colours (colour-blind safe), reordered so that the first ones read well on white.</summary>
public static class Palette
{
    public static readonly string[] Hex =
    [
        "#0072B2", // blue
        "#D55E00", // vermillion
        "#009E73", // bluish green
        "#E69F00", // orange
        "#CC79A7", // reddish purple
        "#56B4E9", // sky blue
        "#000000", // black
        "#F0E442", // yellow
    ];

    public static ScottPlot.Color Color(int i) => ScottPlot.Color.FromHex(Hex[((i % Hex.Length) + Hex.Length) % Hex.Length]);

    public static SKColor Sk(int i) => SKColor.Parse(Hex[((i % Hex.Length) + Hex.Length) % Hex.Length]);
}
