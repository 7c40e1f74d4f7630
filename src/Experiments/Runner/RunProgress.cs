using Spectre.Console;

namespace EEArtifacts.Experiments.Runner;

/// <summary>Receives the runner's progress: one experiment at a time, cell by cell.</summary>
public interface IRunProgress
{
    /// <summary>Runs <paramref name="work"/> with a progress display; returns what it returns.</summary>
    T Show<T>(Func<IRunProgress, T> work);
    /// <summary>An experiment starts with <paramref name="cells"/> cells to run (after resume and sharding).</summary>
    void BeginExperiment(string name, int cells, int skipped);
    /// <summary>A cell finished.</summary>
    void CellDone(string experiment, string label, TimeSpan elapsed, bool diverged);
}

/// <summary>Live bars with elapsed time and ETA in a terminal; one plain line per cell in CI logs.</summary>
public sealed class ConsoleProgress : IRunProgress
{
    private readonly IAnsiConsole _console;
    private readonly TextWriter _plain;
    private readonly bool _live;
    private ProgressContext? _context;
    private ProgressTask? _task;
    private int _done;
    private int _total;
    private DateTime _started;

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
    public void BeginExperiment(string name, int cells, int skipped)
    {
        _done = 0;
        _total = cells;
        _started = DateTime.UtcNow;
        string resumed = skipped > 0 ? $" ({skipped} already done)" : "";
        if (_context is not null)
        {
            _task = _context.AddTask(Markup.Escape($"{name}{resumed}"), maxValue: Math.Max(cells, 1));
            if (cells == 0)
            {
                _task.Value = 1;
            }
        }
        else
        {
            _plain.WriteLine($"[{name}] {cells} cells to run{resumed}");
        }
    }

    /// <inheritdoc />
    public void CellDone(string experiment, string label, TimeSpan elapsed, bool diverged)
    {
        _done++;
        if (_task is not null)
        {
            _task.Increment(1);
            return;
        }
        TimeSpan spent = DateTime.UtcNow - _started;
        TimeSpan eta = TimeSpan.FromSeconds(spent.TotalSeconds / _done * (_total - _done));
        string flag = diverged ? " DIVERGED" : "";
        _plain.WriteLine($"[{experiment}] {_done}/{_total} {label} {elapsed.TotalSeconds:F1}s{flag}, ETA {eta:hh\\:mm\\:ss}");
    }
}
