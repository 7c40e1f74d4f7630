using SkiaSharp;

namespace EEArtifacts.Reporting.Rendering;

/// <summary>Greedy word wrapping measured with SKFont; words wider than a line are broken.</summary>
public static class TextLayout
{
    public static List<string> Wrap(string text, SKFont font, float width)
    {
        var lines = new List<string>();
        foreach (var para in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var current = "";
            foreach (var word in para.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (font.MeasureText(candidate) <= width)
                {
                    current = candidate;
                    continue;
                }

                if (current.Length > 0)
                {
                    lines.Add(current);
                }

                var rest = word;
                while (rest.Length > 1 && font.MeasureText(rest) > width)
                {
                    var n = Fit(rest, font, width);
                    lines.Add(rest[..n]);
                    rest = rest[n..];
                }

                current = rest;
            }

            lines.Add(current);
        }

        return lines;
    }

    /// <summary>The longest prefix (at least one character, never splitting a surrogate pair) that fits.</summary>
    private static int Fit(string s, SKFont font, float width)
    {
        int lo = 1, hi = s.Length;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (font.MeasureText(s[..mid]) <= width)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (lo < s.Length && char.IsLowSurrogate(s[lo]) && lo > 1)
        {
            lo--;
        }

        return lo;
    }
}
