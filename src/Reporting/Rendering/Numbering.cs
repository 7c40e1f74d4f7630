using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Model;

namespace EEArtifacts.Reporting.Rendering;

/// <summary>Document-order numbers for sections (1, 2, ... then A, B, ... for appendices), figures and tables,
/// shared by both renderers so the PDF and the Markdown agree.</summary>
public sealed class Numbering
{
    private readonly Dictionary<Section, string> _sections = [];
    private readonly Dictionary<FigureSpec, int> _figures = [];
    private readonly Dictionary<Block, int> _tables = [];

    public Numbering(Report report)
    {
        int main = 0, appendix = 0, fig = 0, tab = 0;
        foreach (var s in report.Sections)
        {
            _sections[s] = s.IsAppendix ? ((char)('A' + appendix++)).ToString() : (++main).ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var b in s.Blocks)
            {
                switch (b)
                {
                    case FigureBlock f:
                        _figures[f.Figure] = ++fig;
                        break;
                    case TableBlock or ClaimsBlock:
                        _tables[b] = ++tab;
                        break;
                }
            }
        }

        FigureCount = fig;
        TableCount = tab;
    }

    public int FigureCount { get; }

    public int TableCount { get; }

    public string Section(Section s) => _sections[s];

    public string SectionTitle(Section s) => (s.IsAppendix ? "Appendix " : "") + _sections[s] + "  " + s.Title;

    public int Figure(FigureSpec f) => _figures[f];

    public int Table(Block b) => _tables[b];
}
