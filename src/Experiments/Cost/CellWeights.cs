using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Cost;

/// <summary>The relative cost of each cell of a run, which weights the run's ETA (not the results).</summary>
public static class CellWeights
{
    /// <summary>How cells that do not train are weighed.</summary>
    public const string NonTrainingProxy =
        "cells of experiments without SGD training (E1, E2, E6) weigh the same within their experiment";

    /// <summary>
    /// The fixed cost of one step (optimizer, elementwise passes, dispatch) in GEMM FLOPs: about 0.3 ms at 70 GFLOP/s,
    /// from issue 16's step times (width 64, M = 4: 0.58 ms for 19 MFLOP). Without it the small widths of the quick
    /// profile, where a step is mostly this overhead, would weigh almost nothing.
    /// </summary>
    public const double StepOverheadFlops = 2e7;

    /// <summary>
    /// For a profile, the weight of (experiment, cell index): SGD steps x (GEMM FLOPs per step + the step overhead)
    /// for the training cells of <see cref="TrainingCost"/>; 1 for every cell of the other experiments
    /// (<see cref="NonTrainingProxy"/>).
    /// </summary>
    public static Func<string, int, double> Of(Profile profile)
    {
        Dictionary<string, double[]> training = TrainingCost.Cells(profile)
            .GroupBy(c => c.Experiment)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Steps * (c.FlopsPerStep + StepOverheadFlops)).ToArray());
        return (experiment, cell) => training.TryGetValue(experiment, out double[]? weights) ? weights[cell] : 1;
    }
}
