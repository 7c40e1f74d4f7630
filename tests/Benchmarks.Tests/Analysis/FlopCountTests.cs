using EEArtifacts.Benchmarks.Analysis;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Tests.Analysis;

public class FlopCountTests
{
    // Input 64, two hidden layers of 256, 10 outputs, M = 4, B = 64: rows 256.
    private static readonly WorkloadShape Shape = new(Width: 256, Members: 4);

    [Fact]
    public void ForwardOfTheSingleNetworkIsTwoFlopsPerMultiplyAddOnAllRows()
    {
        double expected = 2.0 * 256 * (64 * 256 + 256 * 256 + 256 * 10);
        Assert.Equal(expected, FlopCount.Forward(WorkloadKind.SingleNetwork, Shape));
        Assert.Equal(expected, FlopCount.Forward(WorkloadKind.IndependentVectorized, Shape));
        Assert.Equal(expected, FlopCount.Forward(WorkloadKind.IndependentLoop, Shape));
        Assert.Equal(expected, FlopCount.Forward(WorkloadKind.BatchEnsembleTiled, Shape));
    }

    [Fact]
    public void TrainingStepAddsWeightGradientsEverywhereAndInputGradientsAfterTheFirstLayer()
    {
        double first = 2.0 * 256 * 64 * 256, second = 2.0 * 256 * 256 * 256, readout = 2.0 * 256 * 256 * 10;
        double expected = 2 * first + 3 * second + 3 * readout;
        Assert.Equal(expected, FlopCount.TrainingStep(WorkloadKind.SingleNetwork, Shape));
    }

    [Fact]
    public void SharedWeightEnsemblesOnASharedBatchComputeTheFirstLayerOnceOnBRows()
    {
        double saved = 2.0 * (256 - 64) * 64 * 256; // first layer on B = 64 rows instead of M*B = 256
        Assert.Equal(FlopCount.Forward(WorkloadKind.SingleNetwork, Shape) - saved, FlopCount.Forward(WorkloadKind.BatchEnsemble, Shape));
        Assert.Equal(FlopCount.Forward(WorkloadKind.SingleNetwork, Shape) - saved, FlopCount.Forward(WorkloadKind.McDropout, Shape));
        Assert.Equal(FlopCount.TrainingStep(WorkloadKind.SingleNetwork, Shape) - 2 * saved, FlopCount.TrainingStep(WorkloadKind.BatchEnsemble, Shape));
    }

    [Fact]
    public void GemmIsTwoNCubed() => Assert.Equal(2.0 * 512 * 512 * 512, FlopCount.Gemm(512));

    [Fact]
    public void SingleNetworkParametersCountHiddenBiasesButNoReadoutBias() =>
        Assert.Equal(64L * 256 + 256 + 256 * 256 + 256 + 256 * 10, Shape.SingleNetworkParameters);
}
