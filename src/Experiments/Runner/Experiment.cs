namespace EEArtifacts.Experiments.Runner;

/// <summary>The two profiles: the embedded CPU default and the paper's full grids.</summary>
public enum Profile
{
    /// <summary>CPU, synthetic data, minutes.</summary>
    Quick,
    /// <summary>Full grids on the real data sets, meant for one GPU.</summary>
    Paper,
    /// <summary>Tiny grids of every experiment, seconds in all: for tests and CI, not for conclusions.</summary>
    Smoke,
}

/// <summary>What the runner needs of any experiment, whatever its cell type.</summary>
public interface IExperiment
{
    /// <summary>Short name, also the results folder ("gp-init").</summary>
    string Name { get; }
    /// <summary>The claim of the paper the experiment tests.</summary>
    string Claim { get; }
    /// <summary>The data sets the profile needs (checked before any work starts).</summary>
    IReadOnlyList<string> Datasets(Profile profile);
    /// <summary>The grid for a profile, as cells the runner can hash, seed and run.</summary>
    IReadOnlyList<PlannedCell> Plan(Profile profile);
}

/// <summary>One cell of a grid: its configuration (serialized canonically) and how to run it.</summary>
/// <param name="Index">Position in the grid, which orders results.</param>
/// <param name="Repeat">Which repeat of the same configuration this is.</param>
/// <param name="ConfigJson">The identity of the configuration (<see cref="CanonicalJson.Configuration"/>, repeat included, label
/// excluded): hashed for resume and seeding.</param>
/// <param name="Label">A short human label for progress lines.</param>
/// <param name="Run">Computes the cell's rows.</param>
public sealed record PlannedCell(int Index, int Repeat, string ConfigJson, string Label, Func<CellContext, CellOutput> Run);

/// <summary>
/// An experiment is data plus a function: a name, the claim it tests, a grid of typed cells per profile and a
/// function from one cell to result rows. Cells are plain records; the JSON of their settable properties is their
/// identity, so a cell's label and other derived properties never reach its hash or its seed.
/// </summary>
/// <typeparam name="TCell">The experiment's cell record; must carry an int Repeat property.</typeparam>
public sealed record Experiment<TCell>(
    string Name,
    string Claim,
    Func<Profile, IReadOnlyList<TCell>> Grid,
    Func<TCell, CellContext, CellOutput> Run,
    Func<Profile, IReadOnlyList<string>>? NeedsDatasets = null) : IExperiment
    where TCell : ICell
{
    /// <inheritdoc />
    public IReadOnlyList<string> Datasets(Profile profile) => NeedsDatasets?.Invoke(profile) ?? Array.Empty<string>();

    /// <inheritdoc />
    public IReadOnlyList<PlannedCell> Plan(Profile profile)
    {
        IReadOnlyList<TCell> cells = Grid(profile);
        var planned = new PlannedCell[cells.Count];
        for (int i = 0; i < cells.Count; i++)
        {
            TCell cell = cells[i];
            cell.Validate();
            planned[i] = new PlannedCell(i, cell.Repeat, CanonicalJson.Configuration(cell), cell.Label, ctx => Run(cell, ctx));
        }
        return planned;
    }
}

/// <summary>A cell configuration: a plain record with a repeat index, a label and a validity check.</summary>
public interface ICell
{
    /// <summary>Which repeat of the configuration (0-based).</summary>
    int Repeat { get; }
    /// <summary>A short label for progress output (derived from the fields, not part of the identity).</summary>
    string Label { get; }
    /// <summary>Throws an <see cref="ArgumentException"/> naming the bad field.</summary>
    void Validate();
}
