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
}
