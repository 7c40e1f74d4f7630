using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using EEArtifacts.Benchmarks.Output;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Peer;

/// <summary>One answer of the peer server: the median of the steps it was asked to time.</summary>
/// <param name="Kind"><see cref="WorkloadKind.SingleNetwork"/> or <see cref="WorkloadKind.BatchEnsemble"/> (torch-uncertainty's layer form).</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="MedianMs">Median training step over the timed steps, milliseconds.</param>
/// <param name="Steps">Timed steps.</param>
/// <param name="Threads">torch.get_num_threads() in the peer.</param>
/// <param name="Torch">torch.__version__.</param>
/// <param name="Blas">The BLAS torch called (OpenBLAS's build string, or "generic ...").</param>
/// <param name="Python">The interpreter's version.</param>
public sealed record PeerTiming(WorkloadKind Kind, int Width, int Members, double MedianMs, int Steps, int Threads, string Torch, string Blas, string Python);

/// <summary>
/// One shape of the interleaved comparison (a row of peer.csv): rounds of <see cref="StepsPerRound"/> steps of this
/// project's configuration and of the peer's, alternating which goes first; each round's ratio is this project's
/// median step over the peer's.
/// </summary>
/// <param name="Kind">The configuration (<see cref="WorkloadKind.SingleNetwork"/> or <see cref="WorkloadKind.BatchEnsemble"/>).</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="Rounds">Rounds.</param>
/// <param name="StepsPerRound">Timed steps per round and side.</param>
/// <param name="ProjectMedianMs">Median over the rounds of this project's per-round median step, ms.</param>
/// <param name="PeerMedianMs">The same for the peer.</param>
/// <param name="RatioMedian">Median of the per-round ratios (project / peer): the peer target's value.</param>
/// <param name="RatioMin">Smallest per-round ratio.</param>
/// <param name="RatioMax">Largest per-round ratio.</param>
/// <param name="Peer">The peer's last answer at this shape (threads and versions).</param>
public sealed record PeerComparison(WorkloadKind Kind, int Width, int Members, int Rounds, int StepsPerRound,
    double ProjectMedianMs, double PeerMedianMs, double RatioMedian, double RatioMin, double RatioMax, PeerTiming Peer)
{
    /// <summary>Compares per-round step medians (same length, same order); null when there is no round.</summary>
    public static PeerComparison? FromRounds(WorkloadKind kind, int width, int members, int stepsPerRound,
        IReadOnlyList<double> projectMs, IReadOnlyList<PeerTiming> peer)
    {
        ArgumentNullException.ThrowIfNull(projectMs);
        ArgumentNullException.ThrowIfNull(peer);
        if (projectMs.Count != peer.Count)
        {
            throw new ArgumentException($"{projectMs.Count} project rounds against {peer.Count} peer rounds");
        }
        if (projectMs.Count == 0)
        {
            return null;
        }
        double[] ratios = projectMs.Select((ms, i) => ms / peer[i].MedianMs).ToArray();
        return new PeerComparison(kind, width, members, projectMs.Count, stepsPerRound, Median(projectMs),
            Median(peer.Select(p => p.MedianMs).ToList()), Median(ratios), ratios.Min(), ratios.Max(), peer[^1]);
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>What the peer phase produced.</summary>
/// <param name="Comparisons">One per (configuration, width, M) (empty unless it ran).</param>
/// <param name="Note">Empty when it ran; otherwise "skipped: ..." or "failed: ..." (what the peer targets say).</param>
/// <param name="Seconds">Wall time of the phase.</param>
public sealed record PeerRun(IReadOnlyList<PeerComparison> Comparisons, string Note, double Seconds)
{
    /// <summary>Whether the peer ran and gave timings.</summary>
    public bool Ran => Note.Length == 0;

    /// <summary>Whether the peer was present and selected but did not finish (the run then fails).</summary>
    public bool Failed => Note.StartsWith("failed:", StringComparison.Ordinal);
}

/// <summary>
/// The PyTorch peer of <see cref="Suites.TrainingStepBenchmarks"/>: Peer/torch_be_step.py (shipped beside the
/// program) run as a server by Debian's python3-torch at the same thread count, right after the suite. This process
/// times its own training step and the peer's in alternating rounds, so that load from other processes and drifts
/// of the machine's speed hit both alike.
/// </summary>
public static class TorchPeer
{
    /// <summary>The pseudo-benchmark name --filter patterns are matched against (so *TrainingStep* selects it too).</summary>
    public const string FilterName = "EEArtifacts.Benchmarks.Suites.TrainingStepBenchmarks.PyTorchPeer";

    /// <summary>The interpreter Debian's python3-torch installs into.</summary>
    public const string DebianPython = "/usr/bin/python3";

    /// <summary>The note of the peer targets when torch cannot be imported.</summary>
    public const string NotInstalled = "skipped: python3-torch not installed";

    /// <summary>The note of the peer targets when --filter leaves the peer out.</summary>
    public const string NotSelected = "skipped: not selected by --filter";

    /// <summary>Each side's share of a round, at least one step: short enough for a few minutes in all, long enough to dwarf the round trip.</summary>
    public const double RoundMs = 40;

    /// <summary>Untimed steps of this project's configuration before its first round (the peer warms up by itself).</summary>
    public const int WarmupSteps = 5;

    /// <summary>The peer script, copied beside the program at build time.</summary>
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Peer", "torch_be_step.py");

    /// <summary>The configurations the peer has.</summary>
    public static IReadOnlyList<WorkloadKind> Kinds { get; } = [WorkloadKind.SingleNetwork, WorkloadKind.BatchEnsemble];

    /// <summary>A phase that did not run, with its note.</summary>
    public static PeerRun Skipped(string note) => new([], note, 0);

    /// <summary>
    /// Compares this project's training step with the peer's at every configuration, width and M, in
    /// <paramref name="rounds"/> alternating rounds each (OPENBLAS_NUM_THREADS and OMP_NUM_THREADS =
    /// <paramref name="threads"/> for the peer). Skipped when torch cannot be imported by <paramref name="python"/>.
    /// </summary>
    public static PeerRun Run(string python, IReadOnlyList<int> widths, IReadOnlyList<int> members, int threads, int rounds, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var clock = Stopwatch.StartNew();
        if (!CanImportTorch(python, threads))
        {
            log($"ee-benchmarks: PyTorch peer {NotInstalled} ({python} cannot import torch)");
            return Skipped(NotInstalled);
        }
        log($"ee-benchmarks: PyTorch peer: {python} {ScriptPath} --threads {threads}, {rounds} interleaved rounds per shape");
        using var server = new PeerServer(python, threads);
        var comparisons = new List<PeerComparison>();
        try
        {
            server.ReadHeader();
            foreach (int width in widths)
            {
                foreach (int m in members)
                {
                    foreach (WorkloadKind kind in Kinds)
                    {
                        comparisons.Add(Compare(server, kind, new WorkloadShape(width, m), rounds));
                    }
                }
            }
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            string failure = $"failed: {server.Failure(e.Message)}";
            log($"ee-benchmarks: PyTorch peer {failure}");
            return new PeerRun([], failure, clock.Elapsed.TotalSeconds);
        }
        return new PeerRun(comparisons, "", clock.Elapsed.TotalSeconds);
    }

    // The rounds at one shape: this project first in even rounds, the peer first in odd ones.
    private static PeerComparison Compare(PeerServer server, WorkloadKind kind, WorkloadShape shape, int rounds)
    {
        using EnsembleWorkload workload = EnsembleWorkload.Create(kind, shape);
        for (int i = 0; i < WarmupSteps; i++)
        {
            workload.TrainStep();
        }
        int steps = (int)Math.Clamp(Math.Ceiling(RoundMs / MedianStepMs(workload, 3)), 1, 1000);
        var project = new List<double>();
        var peer = new List<PeerTiming>();
        for (int r = 0; r < rounds; r++)
        {
            bool projectFirst = r % 2 == 0;
            if (projectFirst)
            {
                project.Add(MedianStepMs(workload, steps));
            }
            peer.Add(server.Time(kind, shape, steps));
            if (!projectFirst)
            {
                project.Add(MedianStepMs(workload, steps));
            }
        }
        return PeerComparison.FromRounds(kind, shape.Width, shape.Members, steps, project, peer)!;
    }

    private static double MedianStepMs(EnsembleWorkload workload, int steps)
    {
        var ms = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            workload.TrainStep();
            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return PeerComparison.Median(ms);
    }

    /// <summary>Parses one answer of the server (a row under <see cref="ResultFiles.PeerTimingHeader"/>); throws <see cref="FormatException"/> on anything else.</summary>
    public static PeerTiming ParseTiming(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] f = line.Split(',');
        if (f.Length != ResultFiles.PeerTimingHeader.Split(',').Length
            || WorkloadKinds.Parse(f[0]) is not (WorkloadKind.SingleNetwork or WorkloadKind.BatchEnsemble)
            || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            || !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int m)
            || !double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) || !(ms > 0)
            || !int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out int steps)
            || !int.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out int threads))
        {
            throw new FormatException($"bad peer row '{line}'");
        }
        return new PeerTiming(WorkloadKinds.Parse(f[0])!.Value, width, m, ms, steps, threads, f[6], f[7], f[8]);
    }

    private static ProcessStartInfo StartInfo(string python, int threads)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        string n = threads.ToString(CultureInfo.InvariantCulture);
        info.Environment["OPENBLAS_NUM_THREADS"] = n;
        info.Environment["OMP_NUM_THREADS"] = n;
        return info;
    }

    private static bool CanImportTorch(string python, int threads)
    {
        ProcessStartInfo info = StartInfo(python, threads);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import torch");
        try
        {
            using Process p = Process.Start(info) ?? throw new Win32Exception($"cannot start {python}");
            p.StandardInput.Close();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            _ = stderr.Result;
            return p.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    // The script as a server: one request line in, one CSV row out. Its stderr is collected for the failure note.
    private sealed class PeerServer : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stderr = new();

        public PeerServer(string python, int threads)
        {
            ProcessStartInfo info = StartInfo(python, threads);
            foreach (string a in new[] { ScriptPath, "--threads", threads.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(a);
            }
            _process = Process.Start(info) ?? throw new Win32Exception($"cannot start {python}");
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_stderr)
                    {
                        _stderr.AppendLine(e.Data);
                    }
                }
            };
            _process.BeginErrorReadLine();
        }

        public void ReadHeader()
        {
            string? header = _process.StandardOutput.ReadLine();
            if (header != ResultFiles.PeerTimingHeader)
            {
                throw new FormatException(header is null ? "peer gave no output" : $"peer output does not start with the header '{ResultFiles.PeerTimingHeader}'");
            }
        }

        public PeerTiming Time(WorkloadKind kind, WorkloadShape shape, int steps)
        {
            _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} {shape.Width} {shape.Members} {steps}"));
            _process.StandardInput.Flush();
            string line = _process.StandardOutput.ReadLine() ?? throw new FormatException("peer gave no answer");
            PeerTiming t = ParseTiming(line);
            if (t.Kind != kind || t.Width != shape.Width || t.Members != shape.Members || t.Steps != steps)
            {
                throw new FormatException($"peer answered '{line}' to '{kind} {shape.Width} {shape.Members} {steps}'");
            }
            return t;
        }

        // What went wrong, with the exit code and stderr's last line once the peer has exited.
        public string Failure(string message)
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                return message.Replace(',', ';');
            }
            _process.WaitForExit(); // drains stderr
            string last;
            lock (_stderr)
            {
                last = _stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)";
            }
            return _process.ExitCode != 0
                ? $"peer exited {_process.ExitCode}: {last}".Replace(',', ';')
                : message.Replace(',', ';');
        }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill();
                }
            }
            finally
            {
                _process.Dispose();
            }
        }
    }
}
