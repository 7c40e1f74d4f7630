using Spectre.Console;

namespace EEArtifacts.Experiments.Runner;

/// <summary>Receives the runner's progress, one call at a time; with several jobs, experiments interleave.</summary>
public interface IRunProgress
{
    /// <summary>Runs <paramref name="work"/> with a progress display; returns what it returns.</summary>
    T Show<T>(Func<IRunProgress, T> work);
    /// <summary>An experiment starts with the cells still to run (after resume and sharding), given by their relative cost.</summary>
    void BeginExperiment(string name, IReadOnlyList<double> cellWeights, int skipped);
    /// <summary>A cell finished.</summary>
    void CellDone(string experiment, string label, double weight, TimeSpan elapsed, bool diverged);
    /// <summary>A cell was not run here: another run holds it or finished it.</summary>
    void CellSkipped(string experiment, string label, double weight, string reason);
}

/// <summary>
/// The remaining time of a sweep from the time spent and the relative cost of the cells done and left (not their
/// count: a width sweep's cells grow with width).
/// </summary>
/// <param name="totalWeight">The sum of the weights of all cells of the sweep.</param>
public sealed class CostEta(double totalWeight)
{
    private double _done;

    /// <summary>A cell of weight <paramref name="weight"/> is done.</summary>
    public void Add(double weight) => _done += weight;

    /// <summary>The estimate after <paramref name="spent"/>, or null before any cost is done.</summary>
    public TimeSpan? Remaining(TimeSpan spent) =>
        _done > 0 ? TimeSpan.FromSeconds(spent.TotalSeconds * Math.Max(totalWeight - _done, 0) / _done) : null;
}

/// <summary>Live bars (by cost, with counts) and ETA in a terminal; one plain line per cell in CI logs.</summary>
public sealed class ConsoleProgress : IRunProgress
{
    private readonly IAnsiConsole _console;
    private readonly TextWriter _plain;
    private readonly bool _live;
    private readonly Dictionary<string, Bar> _bars = new();
    private ProgressContext? _context;

    private sealed class Bar(string title, int total, double weight, ProgressTask? task)
    {
        public string Title => title;
        public int Total => total;
        public ProgressTask? Task => task;
        public CostEta Eta { get; } = new(weight);
        public DateTime Started { get; } = DateTime.UtcNow;
        public int Done { get; set; }
    }

    /// <summary>Live bars on <paramref name="console"/> when it is interactive and not in CI; else plain lines on <paramref name="plain"/>.</summary>
    public ConsoleProgress(IAnsiConsole console, TextWriter plain)
    {
        _console = console;
        _plain = plain;
        _live = console.Profile.Capabilities.Interactive && Environment.GetEnvironmentVariable("CI") is null;
    }

    /// <inheritdoc />
    public T Show<T>(Func<IRunProgress, T> work)
    {
        if (!_live)
        {
            return work(this);
        }
        return _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                _context = ctx;
                return work(this);
            });
    }

    /// <inheritdoc />
    public void BeginExperiment(string name, IReadOnlyList<double> cellWeights, int skipped)
    {
        string resumed = skipped > 0 ? $" ({skipped} already done)" : "";
        double weight = cellWeights.Sum();
        ProgressTask? task = null;
        if (_context is not null)
        {
            // The bar advances by cost, so Spectre's remaining time is cost-weighted too; the title counts cells.
            task = _context.AddTask(Markup.Escape($"{name}{resumed} 0/{cellWeights.Count}"), maxValue: weight > 0 ? weight : 1);
            if (cellWeights.Count == 0)
            {
                task.Value = task.MaxValue;
            }
        }
        else
        {
            _plain.WriteLine($"[{name}] {cellWeights.Count} cells to run{resumed}");
        }
        _bars[name] = new Bar($"{name}{resumed}", cellWeights.Count, weight, task);
    }

    /// <inheritdoc />
    public void CellDone(string experiment, string label, double weight, TimeSpan elapsed, bool diverged) =>
        Advance(experiment, label, weight, $"{elapsed.TotalSeconds:F1}s{(diverged ? " DIVERGED" : "")}");

    /// <inheritdoc />
    public void CellSkipped(string experiment, string label, double weight, string reason) =>
        Advance(experiment, label, weight, $"skipped: {reason}");

    private void Advance(string experiment, string label, double weight, string outcome)
    {
        Bar bar = _bars[experiment];
        bar.Done++;
        bar.Eta.Add(weight);
        if (bar.Task is not null)
        {
            bar.Task.Description = Markup.Escape($"{bar.Title} {bar.Done}/{bar.Total}");
            bar.Task.Increment(weight);
            return;
        }
        TimeSpan eta = bar.Eta.Remaining(DateTime.UtcNow - bar.Started) ?? TimeSpan.Zero;
        _plain.WriteLine($"[{experiment}] {bar.Done}/{bar.Total} {label} {outcome}, ETA {eta:hh\\:mm\\:ss}");
    }
}
