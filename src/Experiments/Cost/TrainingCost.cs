using System.Diagnostics;
using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Training;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Cost;

/// <summary>What decides the time of one training step: the model's shape, the batch and the input shape (its task).</summary>
public sealed record StepShape(Architecture Architecture, EnsembleFamily Family, int Width, int Depth, int Members, int BatchSize, string Task);

/// <summary>The time of one step of a shape: measured, or extrapolated from a measured shape's FLOP rate.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="FlopsPerStep">Its GEMM FLOPs per step (<see cref="StepFlops"/>).</param>
/// <param name="MsPerStep">Milliseconds per step.</param>
/// <param name="Measured">False when extrapolated (the shape was above the measuring limit).</param>
public sealed record StepTiming(StepShape Shape, double FlopsPerStep, double MsPerStep, bool Measured);

/// <summary>One experiment's training cost (or the total).</summary>
/// <param name="Experiment">Its name, or "total".</param>
/// <param name="Cells">Training cells.</param>
/// <param name="Steps">SGD steps: epochs x ceil(train size / batch) per cell.</param>
/// <param name="Pflop">GEMM FLOPs of all steps, in 10^15 (full batches assumed).</param>
/// <param name="MinMsPerStep">The fastest of its shapes, ms per step.</param>
/// <param name="MaxMsPerStep">The slowest of its shapes, ms per step.</param>
/// <param name="Hours">Sum over cells of steps x ms per step.</param>
/// <param name="ExtrapolatedCells">Cells whose step time was extrapolated, not measured.</param>
public sealed record ExperimentCost(string Experiment, int Cells, long Steps, double Pflop, double MinMsPerStep, double MaxMsPerStep, double Hours, int ExtrapolatedCells);

/// <summary>The whole estimate, as printed and as written to JSON.</summary>
public sealed record CostReport(
    string Profile,
    string Device,
    int Threads,
    int TimedSteps,
    double? MaxMeasuredStepGflop,
    IReadOnlyList<ExperimentCost> Experiments,
    ExperimentCost Total,
    IReadOnlyList<StepTiming> Shapes,
    string NotCounted);

/// <summary>
/// Estimates the training cost of a profile: every training cell of E3, E4, E5, E7 and E8, its step count and GEMM
/// FLOPs, and the measured time of real training steps (on random inputs of the task's shape, so no data files are
/// needed) for each distinct step shape. Shapes above a FLOP limit are not run; their time is the FLOPs divided by the
/// FLOP rate of the largest measured shape of the same architecture.
/// </summary>
public static class TrainingCost
{
    /// <summary>What the estimate leaves out, stated in its output.</summary>
    public const string NotCounted =
        "Not counted: per-epoch evaluation (forward passes over the test set), short last batches (counted as full), " +
        "E1/E2 (no training: weight draws and exact-gradient NTKs) and E6 (full-batch regression on 32 points plus CPU kernel algebra).";

    /// <summary>One training cell: its experiment, configuration, task shape and GEMM FLOPs per step.</summary>
    public sealed record TrainingCell(string Experiment, TrainConfig Config, TaskShape Task, double FlopsPerStep)
    {
        /// <summary>Epochs x steps per epoch.</summary>
        public long Steps => (long)Config.Epochs * ((Task.TrainSize + Config.BatchSize - 1) / Config.BatchSize);

        /// <summary>The shape that decides a step's time.</summary>
        public StepShape Shape => new(Config.Architecture, Config.Family, Config.Width, Config.Depth, Config.Members, Config.BatchSize, Config.Task);
    }

    /// <summary>Every classification training cell of a profile, in catalogue order.</summary>
    public static IReadOnlyList<TrainingCell> Cells(Profile profile)
    {
        IEnumerable<(string Experiment, TrainConfig Config)> trained =
            Regimes.Definition.Grid(profile).Select(c => (Regimes.Definition.Name, c.Train))
            .Concat(WidthSweep.Definition.Grid(profile).Select(c => (WidthSweep.Definition.Name, c.Train)))
            .Concat(ParamScatter.Definition.Grid(profile).Select(c => (ParamScatter.Definition.Name, c.Train)))
            .Concat(Hyperparameters.Definition.Grid(profile).Select(c => (Hyperparameters.Definition.Name, c.Train)));
        // E8 trains on its in-distribution classes only, so its task shape is not the data set's.
        IEnumerable<(string Experiment, TrainConfig Config, TaskShape Task)> configs = trained
            .Select(c => (c.Experiment, c.Config, TaskSource.Shape(c.Config)))
            .Concat(WhichBatchEnsemble.Definition.Grid(profile).Select(WhichBatchEnsemble.Training)
                .Select(t => (WhichBatchEnsemble.Definition.Name, t.Config, t.Task)));
        return configs.Select(c => new TrainingCell(c.Experiment, c.Config, c.Task, StepFlops.PerStep(c.Config, c.Task))).ToList();
    }

    /// <summary>Measures (or extrapolates) every distinct shape and sums the cost per experiment.</summary>
    /// <param name="profile">The profile.</param>
    /// <param name="runtime">The initialized device and threads.</param>
    /// <param name="timedSteps">Steps timed per shape, after one untimed warm-up step.</param>
    /// <param name="maxMeasuredStepFlops">Shapes with more FLOPs per step are extrapolated (null: measure all).</param>
    /// <param name="progress">Called with a line after each measured shape.</param>
    public static CostReport Estimate(Profile profile, RuntimeInfo runtime, int timedSteps, double? maxMeasuredStepFlops, Action<string> progress)
    {
        IReadOnlyList<TrainingCell> cells = Cells(profile);
        var distinct = cells.GroupBy(c => c.Shape).Select(g => g.First()).OrderBy(c => c.FlopsPerStep).ToList();
        var timings = new Dictionary<StepShape, StepTiming>();
        bool Measurable(TrainingCell c) => maxMeasuredStepFlops is not { } limit || c.FlopsPerStep <= limit;
        foreach (Architecture architecture in distinct.Select(c => c.Config.Architecture).Distinct())
        {
            if (!distinct.Any(c => c.Config.Architecture == architecture && Measurable(c)))
            {
                throw new ArgumentException($"no {architecture.ToString().ToLowerInvariant()} shape is under the measuring limit: raise --max-step-gflop");
            }
        }
        foreach (TrainingCell cell in distinct.Where(Measurable))
        {
            double ms = MeasureMs(cell, runtime.Device, timedSteps);
            timings[cell.Shape] = new StepTiming(cell.Shape, cell.FlopsPerStep, ms, Measured: true);
            progress($"{Describe(cell.Shape)}: {cell.FlopsPerStep / 1e9:F2} GFLOP, {ms:F1} ms/step");
        }
        foreach (TrainingCell cell in distinct.Where(c => !Measurable(c)))
        {
            // The largest measured shape of the same architecture is the closest to it in arithmetic intensity.
            StepTiming reference = timings.Values.Where(t => t.Shape.Architecture == cell.Config.Architecture).MaxBy(t => t.FlopsPerStep)!;
            timings[cell.Shape] = new StepTiming(cell.Shape, cell.FlopsPerStep, cell.FlopsPerStep / reference.FlopsPerStep * reference.MsPerStep, Measured: false);
        }

        ExperimentCost Sum(string name, IReadOnlyList<TrainingCell> group)
        {
            var ms = group.Select(c => timings[c.Shape].MsPerStep).ToList();
            return new ExperimentCost(
                name,
                group.Count,
                group.Sum(c => c.Steps),
                group.Sum(c => c.Steps * timings[c.Shape].FlopsPerStep) / 1e15,
                ms.Min(),
                ms.Max(),
                group.Sum(c => c.Steps * timings[c.Shape].MsPerStep) / 3.6e6,
                group.Count(c => !timings[c.Shape].Measured));
        }
        var perExperiment = cells.GroupBy(c => c.Experiment).Select(g => Sum(g.Key, g.ToList())).ToList();
        return new CostReport(
            profile.ToString().ToLowerInvariant(),
            runtime.DeviceName,
            runtime.Threads,
            timedSteps,
            maxMeasuredStepFlops / 1e9,
            perExperiment,
            Sum("total", cells),
            distinct.Select(c => timings[c.Shape]).ToList(),
            NotCounted);
    }

    /// <summary>A shape in words, for progress lines.</summary>
    public static string Describe(StepShape s) =>
        $"{s.Task} {Kebab(s.Architecture)} {Kebab(s.Family)} width={s.Width} depth={s.Depth} M={s.Members} B={s.BatchSize}";

    private static string Kebab<T>(T value) where T : struct, Enum => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    // Real training steps of the cell's model and rule on random inputs and labels of its task's shape.
    private static double MeasureMs(TrainingCell cell, Device device, int timedSteps)
    {
        using var scope = NewDisposeScope();
        using var generator = TorchRuntime.Generator(0);
        using IEnsembleModel model = cell.Config.BuildModel(cell.Task.InputShape, cell.Task.Classes, seed: 0, device);
        using var trainer = new EnsembleTrainer(model, cell.Config.Rule(LossKind.CrossEntropy));
        Tensor x = randn(new long[] { cell.Config.BatchSize }.Concat(cell.Task.InputShape).ToArray(), generator: generator).to(device);
        Tensor y = randint(cell.Task.Classes, new long[] { cell.Config.BatchSize }, generator: generator).to(device);
        trainer.Step(x, y); // warm-up: first-touch allocations and kernel selection
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < timedSteps; i++)
        {
            using var stepScope = NewDisposeScope();
            trainer.Step(x, y); // reads the losses back, so the device has finished when it returns
        }
        return watch.Elapsed.TotalMilliseconds / timedSteps;
    }
}
