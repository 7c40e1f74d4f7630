using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Cost;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Tests.Runner;

/// <summary>The ETA weighs remaining cells by their cost, so a width sweep's estimate holds halfway through.</summary>
public sealed class CostEtaTests
{
    // Synthetic step times: a fixed overhead plus the GEMM FLOPs at a steady rate, for the host of issue 16's
    // measurements (0.3 ms, 70 GFLOP/s) and a slower one (0.5 ms, 50 GFLOP/s).
    [Theory]
    [InlineData(3e-4, 70e9)]
    [InlineData(5e-4, 50e9)]
    public void TheEtaOfTheQuickWidthSweepHalfwayThroughIsWithin25PercentOfTheRemainingTime(double overheadSeconds, double flopsPerSecond)
    {
        // One repeat of the sweep, widths ascending (later repeats repeat it).
        var grid = WidthSweep.Definition.Grid(Profile.Quick);
        var indices = Enumerable.Range(0, grid.Count).Where(i => grid[i].Repeat == 0).ToList();
        var all = TrainingCost.Cells(Profile.Quick).Where(c => c.Experiment == WidthSweep.Definition.Name).ToList();
        var cells = indices.Select(i => all[i]).ToList();
        Func<string, int, double> weight = CellWeights.Of(Profile.Quick);
        double[] weights = indices.Select(i => weight(WidthSweep.Definition.Name, i)).ToArray();
        double Seconds(TrainingCost.TrainingCell cell) => cell.Steps * (overheadSeconds + cell.FlopsPerStep / flopsPerSecond);
        int half = cells.Count / 2;
        double spent = cells.Take(half).Sum(Seconds), remaining = cells.Skip(half).Sum(Seconds);

        var byCost = new CostEta(weights.Sum());
        var byCount = new CostEta(cells.Count);
        for (int i = 0; i < half; i++)
        {
            byCost.Add(weights[i]);
            byCount.Add(1);
        }
        double costEta = byCost.Remaining(TimeSpan.FromSeconds(spent))!.Value.TotalSeconds;
        double countEta = byCount.Remaining(TimeSpan.FromSeconds(spent))!.Value.TotalSeconds;
        Assert.InRange(costEta / remaining, 0.75, 1.25);
        Assert.False(countEta / remaining is >= 0.75 and <= 1.25, $"the sweep should be one a count-based ETA gets wrong ({countEta / remaining:F2})");
    }

    [Fact]
    public void NoEtaBeforeAnyCostIsDoneAndNoneNegativeAfterAll()
    {
        var eta = new CostEta(3);
        Assert.Null(eta.Remaining(TimeSpan.FromSeconds(5)));
        eta.Add(2);
        Assert.Equal(TimeSpan.FromSeconds(2.5), eta.Remaining(TimeSpan.FromSeconds(5)));
        eta.Add(1.5);
        Assert.Equal(TimeSpan.Zero, eta.Remaining(TimeSpan.FromSeconds(5)));
    }
}
