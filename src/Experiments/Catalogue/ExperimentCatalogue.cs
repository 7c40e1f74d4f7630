using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>The experiment catalogue (EXPERIMENTS.md), in report order.</summary>
public static class ExperimentCatalogue
{
    /// <summary>Every experiment.</summary>
    public static IReadOnlyList<IExperiment> All { get; } = new IExperiment[]
    {
        GpInit.Definition,
        NtkInit.Definition,
        Regimes.Definition,
        WidthSweep.Definition,
        ParamScatter.Definition,
        InfiniteWidth.Definition,
        Hyperparameters.Definition,
        WhichBatchEnsemble.Definition,
    };

    /// <summary>A one-line problem when a data set is not usable, or null.</summary>
    /// <remarks>Verifies the files' SHA-256 (downloading first when allowed), so a bad file stops the run before any work.</remarks>
    public static string? DatasetProblem(string dataset, string folder, bool allowDownload)
    {
        try
        {
            DatasetStore.Prepare(DatasetCatalog.Parse(dataset), Path.Combine(folder, dataset), allowDownload);
            return null;
        }
        catch (DatasetException e)
        {
            return e.Message;
        }
    }
}
