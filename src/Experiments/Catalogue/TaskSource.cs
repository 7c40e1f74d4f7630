using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>Loads the task a training cell names, with a data seed shared by all cells of the same repeat.</summary>
public static class TaskSource
{
    /// <summary>The quick profile's classification task: a teacher-student problem small enough for 2 cores.</summary>
    public static SyntheticTaskSpec QuickClassification { get; } = new(
        InputDim: 16, TrainSize: 2048, TestSize: 2048, Classes: 4, TeacherWidth: 64, TeacherDepth: 2, LabelNoise: 0.1);

    /// <summary>
    /// The task of a cell. Synthetic tasks are generated from (task description, repeat) only, so every setting
    /// of one repeat trains on the same data and comparisons between settings are paired.
    /// </summary>
    public static TaskData Load(TrainConfig config, int repeat, CellContext context)
    {
        if (config.Task == "synthetic")
        {
            SyntheticTaskSpec spec = config.Synthetic ?? throw new ArgumentException("synthetic task without description");
            long seed = Seeds.ForCell("synthetic-task", CanonicalJson.Serialize(spec) + $"/repeat-{repeat}");
            return SyntheticTask.Generate(spec, seed);
        }
        StandardDataset which = DatasetCatalog.Parse(config.Task);
        return DatasetStore.Load(which, Path.Combine(context.DataFolder, config.Task), context.AllowDownload,
            options: new DatasetLoadOptions { Flatten = true });
    }
}
