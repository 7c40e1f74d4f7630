using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;

namespace EEArtifacts.Reporting.Model;

/// <summary>The report, independent of how it is rendered (PDF, Markdown).</summary>
public sealed class Report
{
    public required string Title { get; init; }

    public string Subtitle { get; init; } = "";

    public List<Section> Sections { get; } = [];

    public IEnumerable<FigureSpec> Figures => Sections.SelectMany(s => s.Blocks).OfType<FigureBlock>().Select(f => f.Figure);

    public IEnumerable<TableBlock> Tables => Sections.SelectMany(s => s.Blocks).SelectMany(b => b switch
    {
        TableBlock t => [t],
        ClaimsBlock c => [c.ToTable()],
        _ => Array.Empty<TableBlock>(),
    });

    public IEnumerable<ClaimResult> Claims => Sections.SelectMany(s => s.Blocks).OfType<ClaimsBlock>()
        .Where(c => !c.IsSummary).SelectMany(c => c.Claims);
}

public sealed class Section(string title, string anchor)
{
    public string Title { get; } = title;

    /// <summary>A stable id for links (Markdown anchors, PDF destinations).</summary>
    public string Anchor { get; } = anchor;

    public bool IsAppendix { get; init; }

    public List<Block> Blocks { get; } = [];

    public Section Add(Block b)
    {
        Blocks.Add(b);
        return this;
    }
}

public abstract record Block;

/// <summary>Plain text; a leading "• " makes a bullet item.</summary>
public sealed record Paragraph(string Text, ParagraphStyle Style = ParagraphStyle.Body) : Block;

public enum ParagraphStyle
{
    Body,
    Bullet,
    Warning,
    Small,
}

public sealed record Subheading(string Text) : Block;

public sealed record FigureBlock(FigureSpec Figure) : Block;

public sealed record TableBlock(string Caption, IReadOnlyList<string> Headers, IReadOnlyList<string[]> Rows, IReadOnlyList<float> Weights) : Block
{
    public static TableBlock Of(string caption, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows) =>
        new(caption, headers, rows, headers.Select(_ => 1f).ToList());
}

/// <summary>Claim rows. Renderers draw the table (<see cref="ToTable"/>) and, unless it is the summary,
/// each claim's rule and note below it.</summary>
public sealed record ClaimsBlock(string Caption, IReadOnlyList<ClaimResult> Claims, bool IsSummary = false) : Block
{
    public TableBlock ToTable() => IsSummary
        ? new TableBlock(Caption, ["ID", "Claim", "Source", "Value", "Verdict"],
            Claims.Select(c => new[] { c.Id, c.Claim, c.Source, c.ValueText, c.Verdict.Text() }).ToList(), [0.6f, 3.2f, 1.3f, 2.2f, 1.1f])
        : new TableBlock(Caption, ["ID", "Claim", "Statistic", "Value", "Verdict"],
            Claims.Select(c => new[] { c.Id, $"{c.Claim} ({c.Source})", c.Statistic, c.ValueText, c.Verdict.Text() }).ToList(), [0.6f, 2.8f, 2.4f, 2.0f, 1.0f]);

    public IEnumerable<string> RuleLines => Claims.Select(c => $"{c.Id} rule: {c.Rule} Outcome: {c.Verdict.Text()} ({c.Note}).");
}
