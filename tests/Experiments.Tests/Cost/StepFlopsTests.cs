using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Cost;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Tests.Cost;

/// <summary>GEMM FLOPs per training step against hand-computed counts, and the step counts of a profile.</summary>
public sealed class StepFlopsTests
{
    private static TrainConfig Config(Architecture architecture, EnsembleFamily family, int width, int depth, int members, int batch, string task) => new(
        architecture, family, new SignLaw(1), new SignLaw(1), GammaRule.M, members, width, depth, Parameterization.Ntk, MuW: 0.5, MuU: 0.5, Momentum: 0.9,
        Epochs: 1, batch, task, null);

    [Fact]
    public void MlpCountsEveryLayerAndThePasses()
    {
        // 5 inputs -> 8 -> 8 -> 3 classes, M = 2, B = 4: 2 FLOPs per multiply-add.
        var task = new TaskShape([5], TrainSize: 100, Classes: 3);
        double first = 2 * 2 * (4 * 5 * 8);   // shared batch (B rows), forward + weight gradient
        double hidden = 3 * 2 * (8 * 8 * 8);  // M*B rows, forward + weight and input gradients
        double readout = 3 * 2 * (8 * 8 * 3);

        Assert.Equal(first + hidden + readout, StepFlops.PerStep(Config(Architecture.Mlp, EnsembleFamily.BatchEnsemble, 8, 2, 2, 4, "mnist"), task));
        // An independent ensemble runs every member's first layer: M*B rows.
        Assert.Equal((2 * 2 * (8 * 5 * 8)) + hidden + readout, StepFlops.PerStep(Config(Architecture.Mlp, EnsembleFamily.Independent, 8, 2, 2, 4, "mnist"), task));
    }

    [Fact]
    public void CnnCountsConvolutionsAtEachStageResolution()
    {
        // 3x8x8 images, channels 2, 4, 8 (width 2), one 3x3 convolution per stage, 2x2 pooling after each; M = 2, B = 1.
        var task = new TaskShape([3, 8, 8], TrainSize: 100, Classes: 10);
        double conv1 = 2 * 2 * (1 * 8 * 8 * 3 * 2 * 9); // shared batch, no input gradient
        double conv2 = 3 * 2 * (2 * 4 * 4 * 2 * 4 * 9);
        double conv3 = 3 * 2 * (2 * 2 * 2 * 4 * 8 * 9);
        double readout = 3 * 2 * (2 * 8 * 10);          // after global average pooling

        Assert.Equal(conv1 + conv2 + conv3 + readout, StepFlops.PerStep(Config(Architecture.Cnn, EnsembleFamily.BatchEnsemble, 2, 1, 2, 1, "cifar10"), task));
    }

    [Fact]
    public void PaperStepsAreEpochsTimesBatchesPerEpoch()
    {
        var cells = TrainingCost.Cells(Profile.Paper);
        var cifar = cells.First(c => c.Config.Task == "cifar10");
        var mnist = cells.First(c => c.Config.Task == "mnist");

        Assert.Equal(40L * 782, cifar.Steps); // E4's most epochs (its plateau rule may stop sooner) x ceil(50,000 / 64) = 782
        Assert.Equal(30L * 938, mnist.Steps); // ceil(60,000 / 64) = 938
        var e8 = cells.First(c => c.Experiment == "which-batchensemble");
        Assert.Equal(20L * 750, e8.Steps); // E8 trains on 8 of 10 classes: 48,000 of 60,000 images, ceil(48,000 / 64) = 750
        Assert.Equal(8, e8.Task.Classes);
        Assert.Equal(["regimes", "width-sweep", "param-scatter", "hyperparameters", "which-batchensemble"], cells.Select(c => c.Experiment).Distinct());
    }
}
