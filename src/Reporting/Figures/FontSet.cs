using EEArtifacts.Reporting.Results;
using SkiaSharp;

namespace EEArtifacts.Reporting.Figures;

/// <summary>The report's fonts, loaded from TTF files (SkiaSharp here has no fontconfig and finds no
/// system fonts by itself). Registered with ScottPlot so plots use the same files.</summary>
public sealed class FontSet : IDisposable
{
    public const string DefaultFolder = "/usr/share/fonts/truetype/dejavu";
    public const string Family = "DejaVu Sans";
    public const string MonoFamily = "DejaVu Sans Mono";

    private static readonly object Gate = new();
    private static string? _registeredFolder;

    private FontSet(SKTypeface regular, SKTypeface bold, SKTypeface italic, SKTypeface mono, string folder)
    {
        Regular = regular;
        Bold = bold;
        Italic = italic;
        Mono = mono;
        Folder = folder;
    }

    public SKTypeface Regular { get; }

    public SKTypeface Bold { get; }

    public SKTypeface Italic { get; }

    public SKTypeface Mono { get; }

    public string Folder { get; }

    /// <summary>Loads DejaVu Sans (regular, bold, oblique) and DejaVu Sans Mono from <paramref name="folder"/>;
    /// throws a one-line <see cref="ReportInputException"/> when no usable font is there.</summary>
    public static FontSet Load(string? folder = null)
    {
        folder ??= Environment.GetEnvironmentVariable("EE_REPORT_FONTS") ?? DefaultFolder;
        var regularPath = Path.Combine(folder, "DejaVuSans.ttf");
        var regular = Open(regularPath) ?? throw new ReportInputException(
            $"no usable font: {regularPath} not found or unreadable (install fonts-dejavu-core, or point --fonts / EE_REPORT_FONTS at a folder with DejaVuSans.ttf)");
        using (var font = new SKFont(regular, 12))
        {
            if (font.MeasureText("Embedded ensembles") <= 0 || regular.CountGlyphs("A") == 0)
            {
                throw new ReportInputException($"no usable font: {regularPath} has no glyphs");
            }
        }

        var boldPath = Path.Combine(folder, "DejaVuSans-Bold.ttf");
        var italicPath = Path.Combine(folder, "DejaVuSans-Oblique.ttf");
        var monoPath = Path.Combine(folder, "DejaVuSansMono.ttf");
        var bold = Open(boldPath) ?? regular;
        var italic = Open(italicPath) ?? regular;
        var mono = Open(monoPath) ?? regular;

        lock (Gate)
        {
            if (_registeredFolder != folder)
            {
                ScottPlot.Fonts.AddFontFile(Family, regularPath, false, false);
                ScottPlot.Fonts.AddFontFile(Family, File.Exists(boldPath) ? boldPath : regularPath, true, false);
                ScottPlot.Fonts.AddFontFile(Family, File.Exists(italicPath) ? italicPath : regularPath, false, true);
                ScottPlot.Fonts.AddFontFile(MonoFamily, File.Exists(monoPath) ? monoPath : regularPath, false, false);
                ScottPlot.Fonts.Default = Family;
                ScottPlot.Fonts.Sans = Family;
                ScottPlot.Fonts.Monospace = MonoFamily;
                _registeredFolder = folder;
            }
        }

        return new FontSet(regular, bold, italic, mono, folder);
    }

    private static SKTypeface? Open(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return SKTypeface.FromFile(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var t in new[] { Bold, Italic, Mono }.Distinct().Where(t => !ReferenceEquals(t, Regular)))
        {
            t.Dispose();
        }

        Regular.Dispose();
    }
}
