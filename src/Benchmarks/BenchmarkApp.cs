using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EEArtifacts.Benchmarks.Analysis;
using EEArtifacts.Benchmarks.Cli;
using EEArtifacts.Benchmarks.Memory;
using EEArtifacts.Benchmarks.Output;
using EEArtifacts.Benchmarks.Peer;
using EEArtifacts.Benchmarks.Profiling;
using EEArtifacts.Benchmarks.Suites;
using EEArtifacts.Benchmarks.Workloads;
using EmbeddedEnsembles.Runtime;
using TorchSharp;

namespace EEArtifacts.Benchmarks;

/// <summary>
/// ee-benchmarks: runs the suites with BenchmarkDotNet (in process), then post-processes the summaries into
/// roofline, memory and target files beside BenchmarkDotNet's own exports.
/// </summary>
public static class BenchmarkApp
{
    /// <summary>The suites in run order: the GEMM ceiling first, then the ensemble questions.</summary>
    public static IReadOnlyList<Type> SuiteTypes { get; } =
        [typeof(GemmBenchmarks), typeof(TrainingStepBenchmarks), typeof(InferenceBenchmarks), typeof(GemmBenchmarksAfter), typeof(KernelBenchmarks),
        typeof(AnalyticKernelScaleBenchmarks), typeof(GaussLawSmoothKernelBenchmarks)];

    private static (string Value, bool FromCaller) OmpWaitPolicy { get; set; } = ("unset", false);

    /// <summary>Runs the command line; returns the exit code (0 ok, 1 a failure while running, 2 bad arguments).</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 1 && args[0] is "--help" or "-h")
        {
            Console.WriteLine(BenchmarkOptions.Usage);
            return 0;
        }
        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args);
            EnsureWritable(options.OutputDirectory);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"ee-benchmarks: {e.Message}");
            return 2;
        }

        // Before libtorch (and its OpenMP runtime) loads: see OpenMpPolicy.
        OmpWaitPolicy = OpenMpPolicy.EnsurePassiveUnlessSet();
        RuntimeInfo runtime;
        try
        {
            runtime = TorchRuntime.Initialize(DeviceChoice.Cpu, options.Threads);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine($"ee-benchmarks: {e.Message}");
            return 1;
        }
        return Execute(options, runtime);
    }

    private static int Execute(BenchmarkOptions options, RuntimeInfo runtime)
    {
        var clock = Stopwatch.StartNew();
        DateTime started = DateTime.UtcNow;
        string loadBefore = LoadAverage();
        BenchmarkGrid.Current = options.Profile;
        Console.WriteLine($"ee-benchmarks: profile {options.Profile.Name}, {runtime.Threads} torch threads, device {runtime.DeviceName}, {OpenMpPolicy.Variable}={OmpWaitPolicy.Value}, malloc thresholds {MallocPolicy.EnsureSet()}, out {options.OutputDirectory}");
        if (LoadAverageOneMinute() is double load && load > Environment.ProcessorCount)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ee-benchmarks: warning: load average {load:F1} on {Environment.ProcessorCount} cores before the run: other work will inflate and scatter the times (recorded in run.json)"));
        }

        var phases = new Dictionary<string, double>();
        var phase = Stopwatch.StartNew();
        DirectoryInfo artifacts = Directory.CreateTempSubdirectory("ee-benchmarks-");
        var summaries = new List<Summary>();
        PeerRun peer = TorchPeer.Skipped(TorchPeer.NotSelected);
        try
        {
            IConfig config = BenchmarkConfig.Create(options.Profile, artifacts.FullName, options.Filters, ConsoleLogger.Default);
            foreach (Type suite in SuiteTypes)
            {
                // A suite the filter empties is not run at all (BenchmarkDotNet would still export an empty report).
                if (BenchmarkConverter.TypeToBenchmarks(suite, config).BenchmarksCases.Length > 0)
                {
                    summaries.Add(BenchmarkRunner.Run(suite, config));
                }
                // The peer in the same sitting, right after the suite it is compared with.
                if (suite == typeof(TrainingStepBenchmarks) && Matches(options.Filters, TorchPeer.FilterName))
                {
                    peer = TorchPeer.Run(TorchPeer.DebianPython, options.Profile.Widths, options.Profile.Members, runtime.Threads,
                        options.Profile.PeerRounds, Console.WriteLine);
                }
            }
            CopyExports(Path.Combine(artifacts.FullName, "results"), options.OutputDirectory);
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }

        phases["peer_s"] = Math.Round(peer.Seconds, 1);
        phases["benchmarkdotnet_s"] = Math.Round(phase.Elapsed.TotalSeconds - peer.Seconds, 1);
        phase.Restart();
        IReadOnlyList<StepTiming> timings = SummaryReader.StepTimings(summaries);
        IReadOnlyList<GemmTiming> gemms = SummaryReader.GemmTimings(summaries);
        IReadOnlyList<string> failed = [.. SummaryReader.FailedCases(summaries), .. peer.Failed ? [$"PyTorch peer {peer.Note}"] : Array.Empty<string>()];
        IReadOnlyList<RooflineRow> roofline = Roofline.Compute(timings, gemms);

        // The stopwatch breakdowns run before the memory measurement (which changes malloc's behaviour for good).
        IReadOnlyList<BreakdownRow> breakdown = [];
        IReadOnlyList<LayerRow> layers = [];
        IReadOnlyList<GemmTiming> gemmMinima = [];
        if (Matches(options.Filters, StepBreakdown.FilterName))
        {
            int rounds = options.Profile.BreakdownRounds;
            gemmMinima = StepBreakdown.GemmMinima(options.Profile.GemmSizes, 3 * rounds);
            breakdown = options.Profile.Widths.SelectMany(w => options.Profile.Members.SelectMany(m => StepBreakdown.Measure(w, m, rounds))).ToList();
            layers = options.Profile.Widths.SelectMany(w => options.Profile.Members.SelectMany(m => LayerVariants.Measure(w, m, 2 * rounds))).ToList();
            Console.WriteLine($"ee-benchmarks: step breakdown of {breakdown.Count} and layer variants of {layers.Count} cases done");
        }
        phases["breakdown_s"] = Math.Round(phase.Elapsed.TotalSeconds, 1);
        phase.Restart();

        IReadOnlyList<MemoryRow> memory = [];
        if (Matches(options.Filters, MemoryMeasurement.FilterName) && NativeMemoryProbe.IsSupported)
        {
            memory = MemoryMeasurement.MeasureGrid(options.Profile.Widths, options.Profile.Members, Console.WriteLine);
        }
        else if (!NativeMemoryProbe.IsSupported)
        {
            Console.WriteLine("ee-benchmarks: native memory cannot be measured here (needs Linux, glibc, /proc); memory.csv is left out");
        }
        phases["memory_s"] = Math.Round(phase.Elapsed.TotalSeconds, 1);
        // The timing targets twice: on the suites' medians and on the interleaved breakdown's minima (a cross-check
        // that load from other processes cannot skew in one configuration's favour).
        IReadOnlyList<RooflineRow> interleaved = Roofline.Compute(StepBreakdown.AsTimings(breakdown), gemmMinima);
        IReadOnlyList<TargetRow> targets = [.. Targets.Evaluate(roofline, memory.Count > 0 ? memory : null),
            .. breakdown.Count > 0 ? Targets.Evaluate(interleaved, null, Targets.InterleavedSource) : [],
            .. Targets.EvaluatePeer(peer)];

        string dir = options.OutputDirectory;
        ResultFiles.WriteAtomically(Path.Combine(dir, "roofline.csv"), ResultFiles.RooflineCsv(roofline));
        ResultFiles.WriteAtomically(Path.Combine(dir, "gemm.csv"), ResultFiles.GemmCsv([.. gemms, .. gemmMinima]));
        if (memory.Count > 0)
        {
            ResultFiles.WriteAtomically(Path.Combine(dir, "memory.csv"), ResultFiles.MemoryCsv(memory));
        }
        if (breakdown.Count > 0)
        {
            ResultFiles.WriteAtomically(Path.Combine(dir, "breakdown.csv"), ResultFiles.BreakdownCsv(breakdown));
            ResultFiles.WriteAtomically(Path.Combine(dir, "layers.csv"), ResultFiles.LayersCsv(layers));
        }
        if (peer.Ran)
        {
            ResultFiles.WriteAtomically(Path.Combine(dir, "peer.csv"), ResultFiles.PeerCsv(peer.Comparisons));
        }
        ResultFiles.WriteAtomically(Path.Combine(dir, "targets.csv"), ResultFiles.TargetsCsv(targets));
        string provenanceLine = string.Create(CultureInfo.InvariantCulture,
            $"Profile {options.Profile.Name}, {runtime.Threads} torch threads on {Environment.ProcessorCount} cores ({runtime.DeviceName}), TorchSharp {runtime.TorchSharpVersion}, libtorch {torch.__version__}, commit {GitCommit.Read()}.");
        ResultFiles.WriteAtomically(Path.Combine(dir, "targets.md"), ResultFiles.TargetsMarkdown(targets, provenanceLine));
        clock.Stop();
        WriteRunRecord(dir, options, runtime, started, clock.Elapsed, phases, loadBefore, failed);

        PrintHeadlines(roofline, targets, gemms);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ee-benchmarks: done in {clock.Elapsed.TotalSeconds:F0} s; files in {dir}"));
        if (failed.Count > 0)
        {
            Console.Error.WriteLine($"ee-benchmarks: {failed.Count} case(s) produced no result: {string.Join("; ", failed)}");
            return 1;
        }
        return 0;
    }

    /// <summary>Whether <paramref name="name"/> passes the --filter globs (BenchmarkDotNet's glob rules: * and ?, case-insensitive).</summary>
    public static bool Matches(IReadOnlyList<string> filters, string name)
    {
        ArgumentNullException.ThrowIfNull(filters);
        return filters.Count == 0 || filters.Any(f =>
            Regex.IsMatch(name, "^" + Regex.Escape(f).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
    }

    private static void EnsureWritable(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, ".write-probe");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot write to output folder '{dir}': {e.Message}");
        }
    }

    // BenchmarkDotNet writes <Type>-report-full.json, -report.csv and -report-github.md; the pipeline wants them in --out.
    private static void CopyExports(string resultsDir, string outDir)
    {
        if (!Directory.Exists(resultsDir))
        {
            return;
        }
        foreach (string file in Directory.GetFiles(resultsDir))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith("EEArtifacts.Benchmarks.Suites.", StringComparison.Ordinal))
            {
                name = name["EEArtifacts.Benchmarks.Suites.".Length..];
            }
            File.Copy(file, Path.Combine(outDir, name + ".partial"), overwrite: true);
            File.Move(Path.Combine(outDir, name + ".partial"), Path.Combine(outDir, name), overwrite: true);
        }
    }

    private static void WriteRunRecord(string dir, BenchmarkOptions options, RuntimeInfo runtime, DateTime started,
        TimeSpan wall, IReadOnlyDictionary<string, double> phases, string loadBefore, IReadOnlyList<string> failed)
    {
        var record = new Dictionary<string, object?>
        {
            ["profile"] = options.Profile.Name,
            ["filters"] = options.Filters,
            ["git_commit"] = GitCommit.Read(),
            ["device"] = runtime.DeviceName,
            ["threads_requested"] = options.Threads,
            ["threads_torch"] = runtime.Threads,
            ["threads_seen_in_benchmarks"] = ThreadCheck.Observed,
            ["cores"] = Environment.ProcessorCount,
            ["omp_wait_policy"] = OmpWaitPolicy.Value,
            ["omp_wait_policy_set_by"] = OmpWaitPolicy.FromCaller ? "caller" : "ee-benchmarks",
            ["malloc_thresholds"] = MallocPolicy.EnsureSet(),
            ["torchsharp"] = runtime.TorchSharpVersion,
            ["libtorch"] = torch.__version__,
            ["benchmarkdotnet"] = typeof(BenchmarkRunner).Assembly.GetName().Version?.ToString(),
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}",
            ["numeric_environment"] = NumericEnvironment.Collect(runtime),
            ["started_utc"] = started.ToString("O", CultureInfo.InvariantCulture),
            ["wall_seconds"] = Math.Round(wall.TotalSeconds, 1),
            ["phase_seconds"] = phases,
            ["load_average_before"] = loadBefore,
            ["load_average_after"] = LoadAverage(),
            ["grid"] = new Dictionary<string, object>
            {
                ["widths"] = options.Profile.Widths,
                ["members"] = options.Profile.Members,
                ["batch_per_member"] = new WorkloadShape(1, 1).Batch,
                ["input_dim"] = new WorkloadShape(1, 1).InputDim,
                ["depth"] = new WorkloadShape(1, 1).Depth,
                ["output_dim"] = new WorkloadShape(1, 1).OutputDim,
                ["gemm_sizes"] = options.Profile.GemmSizes,
            },
            ["flop_count"] = "GEMM FLOPs only (2 per multiply-add): forward 2rab per layer, backward 2rab weight grad + 2rab input grad (none for the first layer); r = M*B, except B for the shared first layer of BatchEnsemble/McDropout on a shared batch",
            ["memory_method"] = MemoryMeasurement.Method,
            ["statistic"] = "roofline, ratios and targets use the median over BenchmarkDotNet's iterations (its own Ratio column divides means); the GEMM ceiling is the best median rate of the GEMM suite run first and last",
            ["failed_cases"] = failed,
        };
        var jsonOptions = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        string json = JsonSerializer.Serialize(record, jsonOptions) + "\n";
        ResultFiles.WriteAtomically(Path.Combine(dir, "run.json"), json);
    }

    private static void PrintHeadlines(IReadOnlyList<RooflineRow> roofline, IReadOnlyList<TargetRow> targets, IReadOnlyList<GemmTiming> gemms)
    {
        GemmTiming? best = Roofline.Best(gemms);
        if (best is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GEMM peak: {best.Gflops:F1} GFLOP/s at n={best.Size}"));
        }
        foreach (RooflineRow r in roofline.Where(r => r.Kind != WorkloadKind.SingleNetwork))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Suite,-9} {r.Kind,-21} width={r.Width,-5} M={r.Members,-3} {r.MedianNs / 1e6,9:F3} ms  x{r.RatioToBaseline:F2} single  {r.FractionOfPeak:P0} of GEMM peak"));
        }
        foreach (TargetRow t in targets.Where(t => t.Point == "all"))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target {t.Target} [{t.Source}]: {t.Measured:F3} {t.Comparison} {t.Threshold} -> {(t.Met ? "met" : t.Note.Length > 0 ? t.Note : "NOT met")}"));
        }
    }

    private static double? LoadAverageOneMinute() =>
        double.TryParse(LoadAverage().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
