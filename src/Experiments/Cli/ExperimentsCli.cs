using System.CommandLine;
using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Runtime;
using Spectre.Console;
using Profile = EEArtifacts.Experiments.Runner.Profile;

namespace EEArtifacts.Experiments.Cli;

/// <summary>
/// The ee-experiments command line: list, run, verify, kernels, cost. Exit codes: 0 success, 1 the run failed or
/// diverged cells were recorded with --fail-on-divergence, 2 bad input (nothing was written), 3 `run` left cells that
/// another run holds (their locks are listed; rerun when that run ends).
/// </summary>
public static class ExperimentsCli
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;
    /// <summary>Exit code for a failure during the work.</summary>
    public const int Failed = 1;
    /// <summary>Exit code for bad input, reported before any work.</summary>
    public const int BadInput = 2;
    /// <summary>Exit code of a run that skipped cells another run holds the locks of.</summary>
    public const int CellsLocked = 3;

    /// <summary>Parses and runs a command line.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Runs the EEArtifacts experiment catalogue (embedded ensembles, Velikanov et al. 2022).");
        root.Subcommands.Add(ListCommand(stdout));
        root.Subcommands.Add(RunCommand(stdout, stderr));
        root.Subcommands.Add(VerifyCommand.Create(stdout, stderr));
        root.Subcommands.Add(KernelsCommand.Create(stdout, stderr));
        root.Subcommands.Add(CostCommand.Create(stdout, stderr));
        root.Subcommands.Add(DataCommand.Create(stdout, stderr));
        root.Subcommands.Add(WorkerCommand(stdout));
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string known = string.Join(", ", root.Subcommands.Select(c => c.Name));
            string message = parsed.CommandResult.Command != root ? parsed.Errors[0].Message
                : args.Length == 0 ? $"no command given: use one of {known}"
                : $"unknown command '{args[0]}': use one of {known}";
            stderr.WriteLine($"error: {message.ReplaceLineEndings(" ")} (see --help)");
            return BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    /// <summary>Runs <paramref name="action"/>, turning bad input into one line and exit code 2.</summary>
    public static int Guard(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return BadInput;
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
            return BadInput;
        }
        catch (EEArtifacts.Experiments.Data.DatasetException e)
        {
            // Checked before any work; this is a data set that changed or broke during the run.
            stderr.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }

    /// <summary>--threads, bounded by the cores this process may use: more would only crash or thrash libtorch's
    /// thread pool, and the provenance would record a count that never ran.</summary>
    /// <param name="use">What the threads run, for the help text.</param>
    /// <param name="defaultThreads">The count without the option (null: <see cref="TorchRuntime.DefaultThreads"/>).</param>
    public static Option<int> ThreadsOption(string use = "libtorch", int? defaultThreads = null)
    {
        var threads = new Option<int>("--threads") { Description = $"CPU threads for {use} (1 to the cores, {Environment.ProcessorCount} here)", DefaultValueFactory = _ => defaultThreads ?? TorchRuntime.DefaultThreads };
        threads.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 1 || value > Environment.ProcessorCount)
            {
                result.AddError($"--threads must be between 1 and {Environment.ProcessorCount} (the cores this process may use), not {value}");
            }
        });
        return threads;
    }

    /// <summary>--only a,b (repeatable): experiment names; an empty name (as in "--only ,") is bad input, not "all".</summary>
    public static Option<string[]> OnlyOption(string description)
    {
        var only = new Option<string[]>("--only") { Description = description, AllowMultipleArgumentsPerToken = true };
        only.Validators.Add(result =>
        {
            foreach (string token in result.Tokens.Select(t => t.Value))
            {
                if (token.Split(',').Any(string.IsNullOrWhiteSpace))
                {
                    result.AddError($"--only '{token}' holds an empty name: give experiment names separated by commas");
                }
            }
        });
        return only;
    }

    /// <summary>The names given to an <see cref="OnlyOption"/> (empty: none given).</summary>
    public static IReadOnlyList<string> OnlyNames(ParseResult result, Option<string[]> only) =>
        (result.GetValue(only) ?? Array.Empty<string>()).SelectMany(o => o.Split(',', StringSplitOptions.TrimEntries)).ToList();

    /// <summary>Checks before any work that a result file can be written at <paramref name="path"/>.</summary>
    public static void CheckOutputFile(string path, string option)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UsageException($"{option} {path} is a folder: give a file name");
        }
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"{option} {path}: the folder {folder} does not exist");
        }
        string probe = AtomicFile.TempPath(full);
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {path} is not writable: {e.Message}");
        }
    }

    private static Command ListCommand(TextWriter stdout)
    {
        var list = new Command("list", "Lists the experiments and the claim each one tests.");
        list.SetAction(_ =>
        {
            foreach (IExperiment e in ExperimentCatalogue.All)
            {
                stdout.WriteLine($"{e.Name,-16} {e.Claim}");
            }
            return Ok;
        });
        return list;
    }

    private static Command RunCommand(TextWriter stdout, TextWriter stderr)
    {
        var profile = new Option<string>("--profile") { Description = "quick (CPU; real images from the committed Fashion-MNIST subset), paper (full grids, real data, GPU) or smoke (tiny grids, synthetic data, for tests)", DefaultValueFactory = _ => "quick" };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var threads = ThreadsOption();
        var shard = new Option<string>("--shard") { Description = "run part i of n of every grid, e.g. 2/3", DefaultValueFactory = _ => "1/1" };
        var only = OnlyOption("experiment names to run, comma-separated (default: all)");
        var output = new Option<string>("--out") { Description = "results root; writes <out>/<profile>/<experiment>/", DefaultValueFactory = _ => "results" };
        var data = new Option<string>("--data") { Description = "the data root: one folder per data set (DIR/mnist/, DIR/fashion-mnist/, DIR/cifar10/, or DIR/<name>/ with a manifest.json)", DefaultValueFactory = _ => DefaultDataFolder };
        var dataSet = new Option<string[]>("--data-set") { Description = "use your own data set for a task: name=DIR, DIR holding a manifest.json (see `data manifest`); repeatable", AllowMultipleArgumentsPerToken = true };
        var download = new Option<bool>("--download") { Description = "download missing data sets (needs network)" };
        var jobs = new Option<int>("--jobs") { Description = "cells at once, in as many worker processes of --threads threads each (same results for any value)", DefaultValueFactory = _ => 1 };
        var run = new Command("run", "Runs experiments; resumes finished cells; writes results atomically; safe beside other runs into the same folder.")
        {
            profile, device, threads, shard, only, output, data, dataSet, download, jobs,
        };
        run.SetAction(result => Guard(stderr, () =>
        {
            var options = new RunOptions(
                ParseProfile(result.GetValue(profile)!),
                ParseDevice(result.GetValue(device)!),
                result.GetValue(threads),
                ShardSpec.Parse(result.GetValue(shard)!),
                OnlyNames(result, only),
                result.GetValue(output)!,
                result.GetValue(data)!,
                result.GetValue(download))
            {
                DataSetFolders = DataCommand.ParseDataSets(result.GetValue(dataSet) ?? Array.Empty<string>()),
                Jobs = result.GetValue(jobs) is int j && j >= 1 && j <= Environment.ProcessorCount
                    ? j : throw new UsageException($"--jobs must be between 1 and the {Environment.ProcessorCount} processors of this machine"),
            };
            var runner = new ExperimentRunner(ExperimentCatalogue.All, TaskSource.Check, Cost.CellWeights.Of);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
            if (options.Jobs > 1)
            {
                stdout.WriteLine($"{options.Jobs} jobs: cells run in {options.Jobs} worker processes of {options.Threads} thread(s) each");
            }
            RunSummary summary;
            try
            {
                summary = runner.Run(options, new ConsoleProgress(console, stdout));
            }
            catch (RunFailedException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return Failed;
            }
            if (summary.Locked.Count > 0)
            {
                stderr.WriteLine($"error: {summary.Locked.Count} cell(s) skipped, held by another run (first: {summary.Locked[0]}); " +
                    "rerun when it ends; a lock left by a dead run on another host must be deleted by hand");
                return CellsLocked;
            }
            stdout.WriteLine(summary.Diverged == 0 ? "all cells finished" : $"all cells finished; {summary.Diverged} diverged (recorded in results)");
            return Ok;
        }));
        return run;
    }

    // The hidden worker mode of `run --jobs N`: cells come on stdin and their rows go back on stdout, so nothing
    // else may write there (a cell's console output goes to stderr).
    private static Command WorkerCommand(TextWriter stdout)
    {
        var profile = new Option<string>("--profile") { Required = true };
        var device = new Option<string>("--device") { Required = true };
        var threads = new Option<int>("--threads") { Required = true };
        var data = new Option<string>("--data") { Required = true };
        var download = new Option<bool>("--download");
        var dataSet = new Option<string[]>("--data-set") { AllowMultipleArgumentsPerToken = true };
        var worker = new Command(ExperimentRunner.WorkerCommand, "Computes cells for a parent `run --jobs N` (internal).")
        {
            profile, device, threads, data, download, dataSet,
        };
        worker.Hidden = true;
        worker.SetAction(result =>
        {
            var options = new RunOptions(ParseProfile(result.GetValue(profile)!), ParseDevice(result.GetValue(device)!),
                result.GetValue(threads), ShardSpec.All, [], "", result.GetValue(data)!, result.GetValue(download))
            {
                DataSetFolders = DataCommand.ParseDataSets(result.GetValue(dataSet) ?? Array.Empty<string>()),
            };
            Console.SetOut(Console.Error);
            new ExperimentRunner(ExperimentCatalogue.All, TaskSource.Check).Serve(options, Console.In, stdout);
            return Ok;
        });
        return worker;
    }

    /// <summary>The default data folder ($XDG_CACHE_HOME or ~/.cache, then eeartifacts/datasets); one subfolder per data set.</summary>
    public static string DefaultDataFolder => EEArtifacts.Experiments.Data.DatasetStore.DefaultRoot;

    /// <summary>Parses a profile name.</summary>
    public static Profile ParseProfile(string text) => text.Trim().ToLowerInvariant() switch
    {
        "quick" => Profile.Quick,
        "paper" => Profile.Paper,
        "smoke" => Profile.Smoke,
        _ => throw new UsageException($"unknown profile '{text}': use quick, paper or smoke"),
    };

    /// <summary>Parses a device choice; bad text is a usage error.</summary>
    public static DeviceChoice ParseDevice(string text)
    {
        try
        {
            return TorchRuntime.ParseDevice(text);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
