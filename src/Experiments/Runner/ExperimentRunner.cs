using System.Diagnostics;
using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Runtime;

namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// Runs experiments: checks all input before any work, then for every selected experiment plans the grid,
/// skips finished cells (resume), runs this shard's cells with their derived seeds, and writes each cell
/// atomically. The one place that owns seeding, devices, progress, sharding, resuming and writing.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly IReadOnlyList<IExperiment> _catalogue;
    private readonly Func<string, DataSources, DatasetRecord> _checkDataset;

    /// <summary>Creates a runner over a catalogue.</summary>
    /// <param name="catalogue">All experiments.</param>
    /// <param name="checkDataset">Given (dataset, sources), returns what provenance records of it, or throws a one-line <see cref="DatasetException"/>.</param>
    public ExperimentRunner(IReadOnlyList<IExperiment> catalogue, Func<string, DataSources, DatasetRecord> checkDataset)
    {
        _catalogue = catalogue;
        _checkDataset = checkDataset;
    }

    /// <summary>The experiments a run would execute, checked: unknown names are a usage error.</summary>
    public IReadOnlyList<IExperiment> Select(IReadOnlyList<string> only)
    {
        if (only.Count == 0)
        {
            return _catalogue;
        }
        foreach (string name in only)
        {
            if (!_catalogue.Any(e => e.Name == name))
            {
                throw new UsageException($"unknown experiment '{name}': known are {string.Join(", ", _catalogue.Select(e => e.Name))}");
            }
        }
        return _catalogue.Where(e => only.Contains(e.Name)).ToList();
    }

    /// <summary>Runs and returns the number of diverged cells. Throws <see cref="UsageException"/> on bad input before any work.</summary>
    public int Run(RunOptions options, IRunProgress progress)
    {
        IReadOnlyList<IExperiment> selected = Select(options.Only);
        var plans = new List<(IExperiment Experiment, IReadOnlyList<PlannedCell> Cells)>();
        foreach (IExperiment experiment in selected)
        {
            try
            {
                plans.Add((experiment, experiment.Plan(options.Profile)));
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"{experiment.Name}: {e.Message}");
            }
        }
        // Every unusable data set is named at once, before any work.
        var datasets = new Dictionary<string, DatasetRecord>(StringComparer.Ordinal);
        var dataProblems = new List<string>();
        foreach (string dataset in selected.SelectMany(e => e.Datasets(options.Profile)).Distinct())
        {
            try
            {
                datasets[dataset] = _checkDataset(dataset, options.Sources);
            }
            catch (DatasetException e)
            {
                dataProblems.Add(e.Message);
            }
        }
        if (dataProblems.Count > 0)
        {
            throw new UsageException(string.Join("; ", dataProblems));
        }
        string profileFolder = Path.Combine(options.OutRoot, options.Profile.ToString().ToLowerInvariant());
        foreach (IExperiment experiment in selected)
        {
            CheckWritable(Path.Combine(profileFolder, experiment.Name, "cells")); // a file on the way is bad input
        }

        RuntimeInfo runtime;
        try
        {
            runtime = TorchRuntime.Initialize(options.Device, options.Threads);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message);
        }
        Provenance provenance = Provenance.Collect(options.Profile, runtime);

        return progress.Show(p =>
        {
            int diverged = 0;
            foreach (var (experiment, cells) in plans)
            {
                diverged += RunExperiment(experiment, cells, options, runtime, provenance, experiment.Datasets(options.Profile).Select(d => datasets[d]).ToList(), profileFolder, p);
            }
            return diverged;
        });
    }

    private static int RunExperiment(IExperiment experiment, IReadOnlyList<PlannedCell> cells, RunOptions options,
        RuntimeInfo runtime, Provenance provenance, IReadOnlyList<DatasetRecord> datasets, string profileFolder, IRunProgress progress)
    {
        var store = new ResultsStore(Path.Combine(profileFolder, experiment.Name));
        var hashes = cells.ToDictionary(c => c.Index, c => CanonicalJson.Hash(c.ConfigJson));
        store.RemoveStale(cells.Select(c => ResultsStore.Stem(c.Index, hashes[c.Index])).ToHashSet());
        store.WriteExperiment(new
        {
            Name = experiment.Name,
            Claim = experiment.Claim,
            Profile = options.Profile.ToString().ToLowerInvariant(),
            Cells = cells.Count,
            Datasets = datasets,
        });

        var mine = cells.Where(c => options.Shard.Owns(c.Index)).ToList();
        var todo = mine.Where(c => !store.IsFinished(c.Index, hashes[c.Index])).ToList();
        progress.BeginExperiment(experiment.Name, todo.Count, mine.Count - todo.Count);
        int diverged = 0;
        foreach (PlannedCell cell in todo)
        {
            long seed = Seeds.ForCell(experiment.Name, cell.ConfigJson);
            TorchRuntime.Seed(seed);
            var context = new CellContext(seed, options.Profile, runtime, options.DataFolder, options.AllowDownload) { Datasets = options.Datasets, DataSetFolders = options.DataSetFolders };
            var watch = Stopwatch.StartNew();
            CellOutput output = cell.Run(context);
            watch.Stop();
            bool cellDiverged = output.Diverged;
            diverged += cellDiverged ? 1 : 0;

            string hash = hashes[cell.Index];
            string stem = ResultsStore.Stem(cell.Index, hash);
            string config = cell.ConfigJson;
            var record = new CellRecord(experiment.Name, cell.Index, hash, seed, cellDiverged ? "diverged" : "ok",
                System.Text.Json.JsonDocument.Parse(config).RootElement, provenance);
            store.WriteCell(
                stem,
                output.Rows.ToCsv(experiment.Name, cell.Index, cell.Repeat, seed),
                output.Epochs?.ToCsv(experiment.Name, cell.Index, cell.Repeat, seed),
                CanonicalJson.Serialize(new { WallSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3), Threads = runtime.Threads, Device = runtime.DeviceName }),
                CanonicalJson.Serialize(record));
            progress.CellDone(experiment.Name, cell.Label, watch.Elapsed, cellDiverged);
        }
        return diverged;
    }

    // Probes the nearest existing ancestor so that a bad output folder is reported before anything is created.
    private static void CheckWritable(string folder)
    {
        string existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new UsageException($"output folder '{folder}' is not writable: '{existing}' is a file");
            }
            existing = Path.GetDirectoryName(existing) ?? throw new UsageException($"output folder '{folder}' has no existing parent");
        }
        try
        {
            string probe = Path.Combine(existing, $".write-probe-{Environment.ProcessId}" + AtomicFile.TempSuffix);
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"output folder '{folder}' is not writable: {e.Message}");
        }
    }
}

/// <summary>The .json record of a finished cell (docs/RESULTS.md).</summary>
/// <param name="Experiment">Experiment name.</param>
/// <param name="Cell">Grid index.</param>
/// <param name="Hash">Configuration hash.</param>
/// <param name="Seed">The cell's seed.</param>
/// <param name="Status">"ok" or "diverged".</param>
/// <param name="Config">The configuration.</param>
/// <param name="Provenance">Where it came from.</param>
public sealed record CellRecord(string Experiment, int Cell, string Hash, long Seed, string Status,
    System.Text.Json.JsonElement Config, Provenance Provenance);
