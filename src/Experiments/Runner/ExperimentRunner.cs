using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Runtime;

namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// Runs experiments: checks all input before any work, then for every selected experiment plans the grid,
/// skips finished cells (resume), runs this shard's cells with their derived seeds (in this process or in
/// worker processes), and writes each cell atomically under its lock. The one place that owns seeding, devices,
/// progress, sharding, resuming, concurrency and writing.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly IReadOnlyList<IExperiment> _catalogue;
    private readonly Func<string, DataSources, DatasetRecord> _checkDataset;
    private readonly Func<Profile, Func<string, int, double>>? _cellWeights;

    /// <summary>Creates a runner over a catalogue.</summary>
    /// <param name="catalogue">All experiments.</param>
    /// <param name="checkDataset">Given (dataset, sources), returns what provenance records of it, or throws a one-line <see cref="DatasetException"/>.</param>
    /// <param name="cellWeights">Given the profile, the relative cost of (experiment, cell index), which weights the ETA; null: every cell the same.</param>
    public ExperimentRunner(IReadOnlyList<IExperiment> catalogue, Func<string, DataSources, DatasetRecord> checkDataset,
        Func<Profile, Func<string, int, double>>? cellWeights = null)
    {
        _catalogue = catalogue;
        _checkDataset = checkDataset;
        _cellWeights = cellWeights;
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

    /// <summary>
    /// Runs and returns how many cells diverged and which were skipped because another run holds them. Throws
    /// <see cref="UsageException"/> on bad input before any work, <see cref="RunFailedException"/> when a worker fails.
    /// </summary>
    public RunSummary Run(RunOptions options, IRunProgress progress)
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
        Func<string, int, double> weight = _cellWeights?.Invoke(options.Profile) ?? ((_, _) => 1.0);

        var sweeps = new List<Sweep>();
        foreach (var (experiment, cells) in plans)
        {
            var store = new ResultsStore(Path.Combine(profileFolder, experiment.Name));
            var hashes = cells.ToDictionary(c => c.Index, c => CanonicalJson.Hash(c.ConfigJson));
            store.RemoveStale(cells.Select(c => ResultsStore.Stem(c.Index, hashes[c.Index])).ToHashSet(), options.Shard);
            store.WriteExperiment(new
            {
                Name = experiment.Name,
                Claim = experiment.Claim,
                Profile = options.Profile.ToString().ToLowerInvariant(),
                Cells = cells.Count,
                Datasets = experiment.Datasets(options.Profile).Select(d => datasets[d]).ToList(),
            });
            var mine = cells.Where(c => options.Shard.Owns(c.Index)).ToList();
            var sweep = new Sweep(sweeps.Count, experiment.Name, store, mine.Count);
            sweep.Todo.AddRange(mine.Where(c => !store.IsFinished(c.Index, hashes[c.Index]))
                .Select(c => new CellJob(sweep, c, hashes[c.Index], Seeds.ForCell(experiment.Name, c.ConfigJson), weight(experiment.Name, c.Index))));
            sweeps.Add(sweep);
        }
        var run = new SweepRun(sweeps, options, runtime, provenance);
        return progress.Show(p => run.Execute(p));
    }

    /// <summary>
    /// Serves cells to a parent run (<see cref="RunOptions.Jobs"/> &gt; 1): reads one JSON request per line, computes
    /// the cell with the seed it was given, and answers one JSON line with its rows (the parent writes them).
    /// Returns when the requests end.
    /// </summary>
    public void Serve(RunOptions options, TextReader requests, TextWriter replies)
    {
        RuntimeInfo runtime = TorchRuntime.Initialize(options.Device, options.Threads);
        var grids = new Dictionary<string, IReadOnlyList<PlannedCell>>();
        for (string? line = requests.ReadLine(); line is not null; line = requests.ReadLine())
        {
            CellRequest request = JsonSerializer.Deserialize<CellRequest>(line) ?? throw new InvalidOperationException("empty request");
            CellReply reply;
            try
            {
                if (!grids.TryGetValue(request.Experiment, out IReadOnlyList<PlannedCell>? cells))
                {
                    grids[request.Experiment] = cells = Select([request.Experiment])[0].Plan(options.Profile);
                }
                PlannedCell cell = cells[request.Cell];
                if (CanonicalJson.Hash(cell.ConfigJson) != request.Hash)
                {
                    throw new InvalidOperationException($"the worker's grid differs from the run's at cell {request.Cell}");
                }
                var context = new CellContext(request.Seed, options.Profile, runtime, options.DataFolder, options.AllowDownload) { Datasets = options.Datasets, DataSetFolders = options.DataSetFolders };
                ComputedCell computed = Compute(request.Experiment, cell, request.Seed, context);
                reply = new CellReply(computed.RowsCsv, computed.EpochsCsv, computed.Diverged, computed.WallSeconds, null);
            }
            catch (Exception e)
            {
                reply = new CellReply("", null, false, 0, $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            }
            replies.WriteLine(JsonSerializer.Serialize(reply));
            replies.Flush();
        }
    }

    // The one place a cell is seeded and run, in this process or in a worker.
    private static ComputedCell Compute(string experiment, PlannedCell cell, long seed, CellContext context)
    {
        TorchRuntime.Seed(seed);
        var watch = Stopwatch.StartNew();
        CellOutput output = cell.Run(context);
        watch.Stop();
        return new ComputedCell(
            output.Rows.ToCsv(experiment, cell.Index, cell.Repeat, seed),
            output.Epochs?.ToCsv(experiment, cell.Index, cell.Repeat, seed),
            output.Diverged,
            watch.Elapsed.TotalSeconds);
    }

    // One experiment's share of a run: its store and the cells this shard still has to compute.
    private sealed class Sweep(int order, string name, ResultsStore store, int mine)
    {
        public int Order => order;
        public string Name => name;
        public ResultsStore Store => store;
        public int Mine => mine;
        public List<CellJob> Todo { get; } = new();
    }

    private sealed record CellJob(Sweep Sweep, PlannedCell Cell, string Hash, long Seed, double Weight)
    {
        public string Stem => ResultsStore.Stem(Cell.Index, Hash);
    }

    private sealed record ComputedCell(string RowsCsv, string? EpochsCsv, bool Diverged, double WallSeconds);

    private sealed record CellRequest(string Experiment, int Cell, string Hash, long Seed);

    private sealed record CellReply(string RowsCsv, string? EpochsCsv, bool Diverged, double WallSeconds, string? Error);

    /// <summary>
    /// Runs the cells of all sweeps in catalogue order, in this process (one job) or in worker processes (several),
    /// each cell under its lock; writes every result here, and reports progress from one thread at a time.
    /// </summary>
    private sealed class SweepRun(IReadOnlyList<Sweep> sweeps, RunOptions options, RuntimeInfo runtime, Provenance provenance)
    {
        private readonly object _gate = new();
        private static readonly TimeSpan WaitStep = TimeSpan.FromMilliseconds(500);
        private const int UnnamedLockWaits = 20; // a lock stays unnamed only between its creation and first write
        private readonly Queue<CellJob> _queue = new(sweeps.SelectMany(s => s.Todo));
        private readonly Queue<(CellJob Job, int Waits)> _waiting = new(); // held by a live run on this host
        private readonly List<(CellJob Job, string Line)> _locked = new(); // held by a run elsewhere
        private readonly Dictionary<CellJob, int> _waits = new();
        private int _computing;
        private IRunProgress _progress = null!;
        private int _begun;
        private int _diverged;
        private Exception? _failure;

        public RunSummary Execute(IRunProgress progress)
        {
            _progress = progress;
            if (options.Jobs == 1)
            {
                while (Next() is { } job)
                {
                    RunCell(job, j => Compute(j.Sweep.Name, j.Cell, j.Seed,
                        new CellContext(j.Seed, options.Profile, runtime, options.DataFolder, options.AllowDownload) { Datasets = options.Datasets, DataSetFolders = options.DataSetFolders }));
                }
            }
            else
            {
                int workers = Math.Min(options.Jobs, _queue.Count); // no idle worker processes
                var threads = Enumerable.Range(1, workers).Select(n => new Thread(() => WorkerLoop(n))).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                if (_failure is not null)
                {
                    throw _failure;
                }
            }
            lock (_gate)
            {
                BeginUpTo(sweeps.Count - 1); // experiments with nothing left to run
            }
            // A cell held elsewhere may have finished meanwhile; the others are this run's gaps.
            return new RunSummary(_diverged, _locked.Where(l => !l.Job.Sweep.Store.IsFinished(l.Job.Cell.Index, l.Job.Hash)).Select(l => l.Line).ToList());
        }

        private void WorkerLoop(int number)
        {
            try
            {
                using var worker = CellWorker.Start(options, number);
                while (Next() is { } job)
                {
                    RunCell(job, j => worker.Compute(j.Sweep.Name, j.Cell.Index, j.Cell.Label, new CellRequest(j.Sweep.Name, j.Cell.Index, j.Hash, j.Seed)));
                }
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _failure ??= e;
                }
            }
        }

        // The next cell, or null when none is left or a worker failed; announces experiments in catalogue order.
        // Cells a live run on this host holds come back after a pause, until that run finishes or dies.
        private CellJob? Next()
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_failure is not null)
                    {
                        return null;
                    }
                    if (_queue.TryDequeue(out CellJob? job))
                    {
                        BeginUpTo(job.Sweep.Order);
                        _computing++;
                        return job;
                    }
                    if (_waiting.Count == 0 && _computing == 0)
                    {
                        return null;
                    }
                    if (_waiting.TryDequeue(out var waiting))
                    {
                        _queue.Enqueue(waiting.Job);
                        _waits[waiting.Job] = waiting.Waits;
                    }
                }
                Thread.Sleep(WaitStep);
            }
        }
        private void BeginUpTo(int sweep)
        {
            for (; _begun <= sweep; _begun++)
            {
                Sweep s = sweeps[_begun];
                _progress.BeginExperiment(s.Name, s.Todo.Select(j => j.Weight).ToList(), s.Mine - s.Todo.Count);
            }
        }

        private void RunCell(CellJob job, Func<CellJob, ComputedCell> compute)
        {
            try
            {
                RunUnlocked(job, compute);
            }
            finally
            {
                lock (_gate)
                {
                    _computing--;
                }
            }
        }

        private void RunUnlocked(CellJob job, Func<CellJob, ComputedCell> compute)
        {
            ResultsStore store = job.Sweep.Store;
            string lockPath = store.LockPath(job.Stem);
            using CellLock? cellLock = CellLock.TryAcquire(lockPath, out Writer.Id? holder);
            if (cellLock is null)
            {
                lock (_gate)
                {
                    int waits = _waits.GetValueOrDefault(job);
                    if (holder is not null && holder.Host == Writer.Current.Host || holder is null && waits < UnnamedLockWaits)
                    {
                        _waiting.Enqueue((job, waits + 1)); // wait for it: it finishes the cell, or dies and the lock is taken over
                        return;
                    }
                    string by = holder?.ToString() ?? "a writer that never wrote its name";
                    _locked.Add((job, $"{job.Sweep.Name} cell {job.Cell.Index} is locked by {by} ({lockPath})"));
                    _progress.CellSkipped(job.Sweep.Name, job.Cell.Label, job.Weight, $"locked by {by}");
                }
                return;
            }
            if (store.IsFinished(job.Cell.Index, job.Hash)) // another run finished it after this one planned
            {
                lock (_gate)
                {
                    _progress.CellSkipped(job.Sweep.Name, job.Cell.Label, job.Weight, "finished by another run");
                }
                return;
            }
            ComputedCell result = compute(job);
            var record = new CellRecord(job.Sweep.Name, job.Cell.Index, job.Hash, job.Seed, result.Diverged ? "diverged" : "ok",
                JsonDocument.Parse(job.Cell.ConfigJson).RootElement, provenance);
            store.WriteCell(
                job.Stem,
                result.RowsCsv,
                result.EpochsCsv,
                CanonicalJson.Serialize(new { WallSeconds = Math.Round(result.WallSeconds, 3), Threads = runtime.Threads, Device = runtime.DeviceName }),
                CanonicalJson.Serialize(record));
            lock (_gate)
            {
                _diverged += result.Diverged ? 1 : 0;
                _progress.CellDone(job.Sweep.Name, job.Cell.Label, job.Weight, TimeSpan.FromSeconds(result.WallSeconds), result.Diverged);
            }
        }
    }

    /// <summary>One worker process: the same program in its worker mode, fed one cell at a time.</summary>
    private sealed class CellWorker : IDisposable
    {
        private readonly Process _process;
        private readonly int _number;
        private readonly Queue<string> _stderrTail = new();

        private CellWorker(Process process, int number)
        {
            _process = process;
            _number = number;
            _process.ErrorDataReceived += (_, e) =>
            {
                lock (_stderrTail)
                {
                    if (!string.IsNullOrWhiteSpace(e.Data))
                    {
                        _stderrTail.Enqueue(e.Data);
                        if (_stderrTail.Count > 5) _stderrTail.Dequeue();
                    }
                }
            };
            _process.BeginErrorReadLine();
        }

        public static CellWorker Start(RunOptions options, int number)
        {
            string folder = Path.GetDirectoryName(typeof(ExperimentRunner).Assembly.Location)!;
            string apphost = Path.Combine(folder, OperatingSystem.IsWindows() ? "ee-experiments.exe" : "ee-experiments");
            var info = new ProcessStartInfo(File.Exists(apphost) ? apphost : Environment.ProcessPath!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (!File.Exists(apphost))
            {
                info.ArgumentList.Add("exec"); // run as "dotnet exec ee-experiments.dll"
                info.ArgumentList.Add(typeof(ExperimentRunner).Assembly.Location);
            }
            foreach (string arg in WorkerArguments(options))
            {
                info.ArgumentList.Add(arg);
            }
            Process process = Process.Start(info) ?? throw new RunFailedException($"could not start worker {number} ({info.FileName})");
            return new CellWorker(process, number);
        }

        public ComputedCell Compute(string experiment, int index, string label, CellRequest request)
        {
            string where = $"{experiment} cell {index} ({label})";
            string? line;
            try
            {
                _process.StandardInput.WriteLine(JsonSerializer.Serialize(request));
                _process.StandardInput.Flush();
                line = _process.StandardOutput.ReadLine();
            }
            catch (IOException)
            {
                line = null;
            }
            if (line is null)
            {
                _process.WaitForExit(5000);
                string code = _process.HasExited ? $"exit code {_process.ExitCode}" : "no reply";
                string last;
                lock (_stderrTail)
                {
                    last = _stderrTail.Count > 0 ? $": {_stderrTail.Last()}" : "";
                }
                throw new RunFailedException($"worker {_number} stopped ({code}) while computing {where}{last}");
            }
            CellReply reply = JsonSerializer.Deserialize<CellReply>(line) ?? throw new RunFailedException($"worker {_number} sent an empty reply for {where}");
            if (reply.Error is not null)
            {
                throw new RunFailedException($"{where} failed in worker {_number}: {reply.Error}");
            }
            return new ComputedCell(reply.RowsCsv, reply.EpochsCsv, reply.Diverged, reply.WallSeconds);
        }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.Close(); // the worker ends when its requests end
            }
            catch (IOException)
            {
            }
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }

        private static IEnumerable<string> WorkerArguments(RunOptions options)
        {
            yield return WorkerCommand;
            yield return "--profile";
            yield return options.Profile.ToString().ToLowerInvariant();
            yield return "--device";
            yield return options.Device.ToString().ToLowerInvariant();
            yield return "--threads";
            yield return options.Threads.ToString(CultureInfo.InvariantCulture);
            yield return "--data";
            yield return options.DataFolder;
            if (options.AllowDownload)
            {
                yield return "--download";
            }
            foreach ((string name, string folder) in options.DataSetFolders)
            {
                yield return "--data-set";
                yield return $"{name}={folder}";
            }
        }
    }

    /// <summary>The hidden command that starts a worker process (see <see cref="Serve"/>).</summary>
    public const string WorkerCommand = "worker";

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
            string probe = AtomicFile.TempPath(Path.Combine(existing, ".write-probe")); // a name resume cleans if a kill leaves it
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

/// <summary>What a run did besides writing results.</summary>
/// <param name="Diverged">Cells recorded as diverged.</param>
/// <param name="Locked">One line per cell skipped because another run holds its lock.</param>
public sealed record RunSummary(int Diverged, IReadOnlyList<string> Locked);

/// <summary>The work failed (a worker crashed or a cell threw in it): reported as one line with exit code 1.</summary>
public sealed class RunFailedException(string message) : Exception(message);
