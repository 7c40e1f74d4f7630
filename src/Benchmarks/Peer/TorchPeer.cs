using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using EEArtifacts.Benchmarks.Output;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Peer;

/// <summary>One PyTorch peer case: a row of peer.csv.</summary>
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

/// <summary>What the peer phase produced.</summary>
/// <param name="Timings">The peer's cases (empty unless it ran).</param>
/// <param name="Note">Empty when it ran; otherwise "skipped: ..." or "failed: ..." (what the peer targets say).</param>
/// <param name="Seconds">Wall time of the phase.</param>
public sealed record PeerRun(IReadOnlyList<PeerTiming> Timings, string Note, double Seconds)
{
    /// <summary>Whether the peer ran and gave timings.</summary>
    public bool Ran => Note.Length == 0;

    /// <summary>Whether the peer was present and selected but did not finish (the run then fails).</summary>
    public bool Failed => Note.StartsWith("failed:", StringComparison.Ordinal);
}

/// <summary>
/// The PyTorch peer of <see cref="Suites.TrainingStepBenchmarks"/>: Peer/torch_be_step.py (shipped beside the
/// program) run by Debian's python3-torch at the same shapes and thread count, right after the suite.
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

    /// <summary>The peer script, copied beside the program at build time.</summary>
    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Peer", "torch_be_step.py");

    /// <summary>A phase that did not run, with its note.</summary>
    public static PeerRun Skipped(string note) => new([], note, 0);

    /// <summary>
    /// Runs the peer with <paramref name="python"/> over the grid (OPENBLAS_NUM_THREADS and OMP_NUM_THREADS =
    /// <paramref name="threads"/>); <paramref name="steps"/> null keeps the script's default. Skipped when torch
    /// cannot be imported there.
    /// </summary>
    public static PeerRun Run(string python, IReadOnlyList<int> widths, IReadOnlyList<int> members, int threads, int? steps, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        if (Execute(python, ["-c", "import torch"], threads) is not { ExitCode: 0 })
        {
            log($"ee-benchmarks: PyTorch peer {NotInstalled} ({python} cannot import torch)");
            return Skipped(NotInstalled);
        }
        List<string> args = [ScriptPath, "--widths", string.Join(',', widths), "--members", string.Join(',', members),
            "--threads", threads.ToString(CultureInfo.InvariantCulture)];
        if (steps is int s)
        {
            args.AddRange(["--steps", s.ToString(CultureInfo.InvariantCulture)]);
        }
        log($"ee-benchmarks: PyTorch peer: {python} {string.Join(' ', args)}");
        (int exitCode, string stdout, string stderr) = Execute(python, args, threads)!.Value;
        string failure = exitCode != 0 ? $"failed: peer exited {exitCode}: {LastLine(stderr)}" : "";
        IReadOnlyList<PeerTiming> timings = [];
        if (failure.Length == 0)
        {
            try
            {
                timings = Parse(stdout);
            }
            catch (FormatException e)
            {
                failure = $"failed: {e.Message.Replace(',', ';')}";
            }
        }
        if (failure.Length > 0)
        {
            log($"ee-benchmarks: PyTorch peer {failure}");
            return new PeerRun([], failure, clock.Elapsed.TotalSeconds);
        }
        return new PeerRun(timings, "", clock.Elapsed.TotalSeconds);
    }

    /// <summary>Parses the script's output (the columns of peer.csv); throws <see cref="FormatException"/> on anything else.</summary>
    public static IReadOnlyList<PeerTiming> Parse(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        string[] lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || lines[0] != ResultFiles.PeerHeader)
        {
            throw new FormatException($"peer output does not start with the header '{ResultFiles.PeerHeader}'");
        }
        int columns = ResultFiles.PeerHeader.Split(',').Length;
        return lines.Skip(1).Select(line =>
        {
            string[] f = line.Split(',');
            if (f.Length != columns
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
        }).ToList();
    }

    // The exit code and both streams, or null when the interpreter cannot be started.
    private static (int ExitCode, string Stdout, string Stderr)? Execute(string python, IEnumerable<string> args, int threads)
    {
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        string n = threads.ToString(CultureInfo.InvariantCulture);
        info.Environment["OPENBLAS_NUM_THREADS"] = n;
        info.Environment["OMP_NUM_THREADS"] = n;
        try
        {
            using Process p = Process.Start(info) ?? throw new Win32Exception($"cannot start {python}");
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout, stderr.Result);
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    // The message's last line, without commas (it becomes a CSV field of targets.csv).
    private static string LastLine(string text) =>
        (text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)")
            .Replace(',', ';');
}
