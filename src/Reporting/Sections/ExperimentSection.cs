using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Model;
using EEArtifacts.Reporting.Results;

namespace EEArtifacts.Reporting.Sections;

/// <summary>Everything experiment-specific in one place: the results folder name, the columns it needs,
/// its figures and its claim rules. Names come from the results contract (src/Shared/ResultsContract.cs), which the
/// experiments write.</summary>
public abstract class ExperimentSection
{
    /// <summary>The folder under results/&lt;profile&gt;/, e.g. "gp-init".</summary>
    public abstract string Experiment { get; }

    /// <summary>Short id used for claims and figure files, e.g. "E1".</summary>
    public abstract string Id { get; }

    public abstract string Title { get; }

    /// <summary>What the experiment shows (from EXPERIMENTS.md), one paragraph.</summary>
    public abstract string Shows { get; }

    /// <summary>Columns of rows.csv the figures and claims read (a subset of the experiment's contract layout).</summary>
    public abstract IReadOnlyList<string> RowColumns { get; }

    /// <summary>Columns of epochs.csv the figures read (empty if the experiment has no epochs file).</summary>
    public virtual IReadOnlyList<string> EpochColumns => [];

    public abstract IReadOnlyList<ClaimRule> Claims { get; }

    /// <summary>Other experiments whose rows the figures draw beside this one's (available as
    /// <see cref="ExperimentResults.Others"/>); claims read this experiment's rows only.</summary>
    public virtual IReadOnlyList<string> FiguresAlsoRead => [];

    /// <summary>The figures, given rows that have every column of <see cref="RowColumns"/>.</summary>
    public abstract IEnumerable<FigureSpec> Figures(ExperimentResults results);

    /// <summary>Tables drawn after the figures, given rows that have every column of <see cref="RowColumns"/>.</summary>
    public virtual IEnumerable<TableBlock> Tables(ExperimentResults results) => [];

    /// <summary>The default catalogue, in report order.</summary>
    public static IReadOnlyList<ExperimentSection> All() =>
    [
        new GpInitSection(),
        new NtkInitSection(),
        new RegimesSection(),
        new WidthSweepSection(),
        new ParamScatterSection(),
        new InfiniteWidthSection(),
        new HyperparametersSection(),
        new WhichBatchEnsembleSection(),
    ];
}
