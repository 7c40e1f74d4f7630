using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>The experiment catalogue (EXPERIMENTS.md), in report order.</summary>
public static class ExperimentCatalogue
{
    /// <summary>Every experiment.</summary>
    public static IReadOnlyList<IExperiment> All { get; } = new IExperiment[]
    {
    };

    /// <summary>A one-line problem when a data set is not usable, or null.</summary>
    public static string? DatasetProblem(string dataset, string folder, bool allowDownload) => null;
}
