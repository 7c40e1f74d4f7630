using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>What a model and a step count need to know of a task, without loading it.</summary>
/// <param name="InputShape">One example's shape as the model sees it: [d] for an MLP, [C, H, W] for a CNN.</param>
/// <param name="TrainSize">Training examples (one epoch).</param>
/// <param name="Classes">Number of classes.</param>
public sealed record TaskShape(IReadOnlyList<long> InputShape, int TrainSize, int Classes);

/// <summary>Loads the task a training cell names, with a data seed shared by all cells of the same repeat.</summary>
public static class TaskSource
{
    /// <summary>The quick profile's classification task: a teacher-student problem small enough for 2 cores.</summary>
    public static SyntheticTaskSpec QuickClassification { get; } = new(
        InputDim: 16, TrainSize: 2048, TestSize: 2048, Classes: 4, TeacherWidth: 64, TeacherDepth: 2, LabelNoise: 0.1);

    /// <summary>
    /// The task of a cell. Synthetic tasks are generated from (task description, repeat) only, so every setting
    /// of one repeat trains on the same data and comparisons between settings are paired. Images are flattened
    /// for an MLP and kept as [N, C, H, W] for a CNN.
    /// </summary>
    public static TaskData Load(TrainConfig config, int repeat, CellContext context)
    {
        if (config.Task == "synthetic")
        {
            SyntheticTaskSpec spec = config.Synthetic ?? throw new ArgumentException("synthetic task without description");
            long seed = Seeds.ForCell("synthetic-task", CanonicalJson.Configuration(spec) + $"/repeat-{repeat}");
            return SyntheticTask.Generate(spec, seed);
        }
        StandardDataset which = DatasetCatalog.Parse(config.Task);
        return DatasetStore.Load(which, Path.Combine(context.DataFolder, config.Task), context.AllowDownload,
            options: new DatasetLoadOptions { Flatten = config.Architecture == Architecture.Mlp, Catalog = context.Datasets });
    }

    /// <summary>The shape of the task a configuration names, from its description or the canonical data set table.</summary>
    public static TaskShape Shape(TrainConfig config)
    {
        if (config.Task == "synthetic")
        {
            SyntheticTaskSpec spec = config.Synthetic ?? throw new ArgumentException("a synthetic task needs its description");
            return new TaskShape(new long[] { spec.InputDim }, spec.TrainSize, spec.Classes);
        }
        if (!DatasetCatalog.Names.Contains(config.Task))
        {
            throw new ArgumentException($"unknown task '{config.Task}': use synthetic or one of {string.Join(", ", DatasetCatalog.Names)}");
        }
        DatasetDescription description = DatasetCatalog.Canonical[DatasetCatalog.Parse(config.Task)];
        IReadOnlyList<long> image = description.ImageShape;
        IReadOnlyList<long> input = config.Architecture == Architecture.Mlp ? new[] { image.Aggregate(1L, (a, b) => a * b) } : image;
        return new TaskShape(input, description.TrainSize ?? 0, description.Classes);
    }
}
