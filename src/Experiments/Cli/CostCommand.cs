using System.CommandLine;
using System.Globalization;
using EEArtifacts.Experiments.Cost;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Runtime;

namespace EEArtifacts.Experiments.Cli;

/// <summary>
/// `cost`: estimates a profile's training cost from step counts, GEMM FLOPs per step and the measured time of real
/// training steps of each distinct model shape on this machine's device; prints a table, optionally writes JSON.
/// </summary>
public static class CostCommand
{
    /// <summary>Default measuring limit on the CPU, GFLOP per step: larger shapes are extrapolated by FLOPs.</summary>
    public const double CpuMaxStepGflop = 25;

    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var profile = new Option<string>("--profile") { Description = "quick, paper or smoke", DefaultValueFactory = _ => "paper" };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var threads = ExperimentsCli.ThreadsOption();
        var steps = new Option<int>("--steps") { Description = "training steps timed per distinct shape (after one warm-up step)", DefaultValueFactory = _ => 3 };
        var maxGflop = new Option<double?>("--max-step-gflop") { Description = $"measure only shapes up to this many GFLOP per step and extrapolate larger ones by FLOPs (default {CpuMaxStepGflop} on the CPU, no limit on CUDA)" };
        var output = new Option<string?>("--out") { Description = "also write the estimate as JSON to this file" };
        var command = new Command("cost", "Estimates a profile's training cost: steps, GEMM FLOPs and measured time per step of each model shape.")
        {
            profile, device, threads, steps, maxGflop, output,
        };
        command.SetAction(result => ExperimentsCli.Guard(stderr, () =>
        {
            Profile chosen = ExperimentsCli.ParseProfile(result.GetValue(profile)!);
            DeviceChoice deviceChoice = ExperimentsCli.ParseDevice(result.GetValue(device)!);
            int threadCount = result.GetValue(threads);
            int timed = result.GetValue(steps) is int k && k >= 1 ? k : throw new UsageException("--steps must be at least 1");
            double? limit = result.GetValue(maxGflop);
            if (limit is { } l && !(l > 0))
            {
                throw new UsageException("--max-step-gflop must be a positive number");
            }
            string? outFile = result.GetValue(output);
            if (outFile is not null)
            {
                ExperimentsCli.CheckOutputFile(outFile, "--out");
            }
            TrainingCost.Cells(chosen); // a bad grid is bad input, reported before the device starts
            RuntimeInfo runtime;
            try
            {
                runtime = TorchRuntime.Initialize(deviceChoice, threadCount);
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException(e.Message);
            }
            limit ??= runtime.Device.type == TorchSharp.DeviceType.CPU ? CpuMaxStepGflop : null;
            CostReport report = TrainingCost.Estimate(chosen, runtime, timed, limit * 1e9, line => stderr.WriteLine(line));
            Print(report, stdout);
            if (outFile is not null)
            {
                AtomicFile.WriteAllText(outFile, CanonicalJson.Serialize(report));
            }
            return ExperimentsCli.Ok;
        }));
        return command;
    }

    private static void Print(CostReport report, TextWriter stdout)
    {
        stdout.WriteLine($"Training cost of the {report.Profile} profile on {report.Device}, {report.Threads} thread(s); {report.TimedSteps} timed step(s) per shape.");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"experiment",-20} {"cells",6} {"steps",12} {"PFLOP",9} {"ms/step",19} {"hours",9}"));
        foreach (ExperimentCost e in report.Experiments.Append(report.Total))
        {
            string range = string.Create(CultureInfo.InvariantCulture, $"{e.MinMsPerStep:F1}-{e.MaxMsPerStep:F1}");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Experiment,-20} {e.Cells,6} {e.Steps,12:N0} {e.Pflop,9:F2} {range,19} {e.Hours,9:F1}"));
        }
        int measured = report.Shapes.Count(s => s.Measured);
        stdout.WriteLine($"{report.Shapes.Count} distinct shapes: {measured} measured, {report.Shapes.Count - measured} extrapolated by FLOPs" +
            (report.MaxMeasuredStepGflop is { } g ? string.Create(CultureInfo.InvariantCulture, $" (above {g} GFLOP per step, from the largest measured shape of the same architecture); {report.Total.ExtrapolatedCells} cells use an extrapolated time.") : "."));
        stdout.WriteLine(report.NotCounted);
    }
}
