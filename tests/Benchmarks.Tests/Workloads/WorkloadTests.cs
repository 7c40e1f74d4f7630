using EEArtifacts.Benchmarks.Tests.Support;
using EEArtifacts.Benchmarks.Workloads;
using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Tests.Workloads;

/// The suites' setup: each configuration has the right shapes and computes what it claims.
public class WorkloadTests
{
    // Small enough to be quick on a shared machine: width 16, M = 3, B = 5, input 6, 4 outputs.
    private static readonly WorkloadShape Small = new(Width: 16, Members: 3, Batch: 5, InputDim: 6, Depth: 2, OutputDim: 4);

    public WorkloadTests() => Torch.Init();

    [Theory]
    [InlineData(WorkloadKind.SingleNetwork, new long[] { 15, 6 }, 15)]
    [InlineData(WorkloadKind.BatchEnsemble, new long[] { 5, 6 }, 5)]
    [InlineData(WorkloadKind.BatchEnsembleTiled, new long[] { 3, 5, 6 }, 5)]
    [InlineData(WorkloadKind.McDropout, new long[] { 5, 6 }, 5)]
    [InlineData(WorkloadKind.IndependentVectorized, new long[] { 5, 6 }, 5)]
    [InlineData(WorkloadKind.IndependentLoop, new long[] { 5, 6 }, 5)]
    public void EveryConfigurationProducesMTimesBRowsOfOutputs(WorkloadKind kind, long[] inputShape, long labels)
    {
        using EnsembleWorkload w = EnsembleWorkload.Create(kind, Small);
        Assert.Equal(inputShape, w.Input.shape);
        Assert.Equal(ScalarType.Float32, w.Input.dtype);
        Assert.Equal(new[] { labels }, w.Labels.shape);
        Assert.Equal(ScalarType.Int64, w.Labels.dtype);
        using Tensor outputs = w.Outputs();
        Assert.Equal(new long[] { Small.Rows, Small.OutputDim }, outputs.shape);
        Assert.Equal(kind == WorkloadKind.IndependentLoop ? Small.Members : 1, w.Models.Count);
    }

    [Fact]
    public void TheBaselineIsOnePlainNetworkOnMTimesBDistinctRows()
    {
        using EnsembleWorkload w = EnsembleWorkload.Create(WorkloadKind.SingleNetwork, Small);
        PlainMlp net = Assert.IsType<PlainMlp>(Assert.Single(w.Models));
        Assert.Equal(1, net.Members);
        Assert.Equal(Small.Rows, w.Input.shape[0]);
        Assert.Equal(Small.SingleNetworkParameters, net.Count().Total);
        // The rows really are distinct (not one batch repeated M times).
        Assert.NotEqual(Torch.D(w.Input[..Small.Batch]), Torch.D(w.Input[Small.Batch..(2 * Small.Batch)]));
    }

    [Fact]
    public void ThePlainNetworkComputesTheOneMemberEnsembleItCopies()
    {
        MlpSpec spec = EnsembleWorkload.SpecOf(WorkloadKind.SingleNetwork, Small);
        using var source = new EnsembleMlp(spec, seed: 5);
        using var plain = new PlainMlp(source);
        using var scope = NewDisposeScope();
        Tensor x = randn(7, Small.InputDim);
        Torch.Close(plain.MemberOutputs(x), source.MemberOutputs(x), 1e-6);
        // what the trainer reads: the same outputs, classes as the middle axis
        Assert.Equal(Torch.D(plain.MemberOutputs(x).transpose(1, 2)), Torch.D(plain.ClassMajorOutputs(x)));
    }

    [Fact]
    public void TheIndependentLoopComputesTheVectorizedEnsembleOnTheSameParameters()
    {
        using EnsembleWorkload vectorized = EnsembleWorkload.Create(WorkloadKind.IndependentVectorized, Small, seed: 3);
        using EnsembleWorkload loop = EnsembleWorkload.Create(WorkloadKind.IndependentLoop, Small, seed: 3);
        Assert.Equal(Torch.D(vectorized.Input), Torch.D(loop.Input));
        using (Tensor a = vectorized.Outputs(), b = loop.Outputs())
        {
            Torch.Close(a, b, 1e-5);
        }
        Assert.Equal(vectorized.Count().Total, loop.Count().Total);

        // One training step of each gives the same parameters: the same rule reaches every member.
        vectorized.TrainStep();
        loop.TrainStep();
        var whole = (EnsembleMlp)vectorized.Models[0];
        using var scope = NewDisposeScope();
        for (int l = 0; l < Small.Depth; l++)
        {
            Tensor stacked = cat(loop.Models.Select(m => ((EnsembleMlp)m).HiddenWeights[l]).ToArray(), 0);
            Torch.Close(stacked, whole.HiddenWeights[l], 1e-5);
        }
        Torch.Close(cat(loop.Models.Select(m => ((EnsembleMlp)m).ReadoutWeight).ToArray(), 0), whole.ReadoutWeight, 1e-5);
        using (Tensor a = vectorized.Outputs(), b = loop.Outputs())
        {
            Torch.Close(a, b, 1e-5);
        }
    }

    [Fact]
    public void TiledBatchEnsembleGivesEachMemberItsOwnRowsOfTheSameModel()
    {
        using EnsembleWorkload shared = EnsembleWorkload.Create(WorkloadKind.BatchEnsemble, Small, seed: 4);
        using EnsembleWorkload tiled = EnsembleWorkload.Create(WorkloadKind.BatchEnsembleTiled, Small, seed: 4);
        var a = (EnsembleMlp)shared.Models[0];
        var b = (EnsembleMlp)tiled.Models[0];
        Assert.Equal(Torch.D(a.HiddenWeights[1]), Torch.D(b.HiddenWeights[1]));
        Assert.Equal(Torch.D(a.U[0]), Torch.D(b.U[0]));
        using var scope = NewDisposeScope();
        Tensor outputs = MemberMajor.Split(tiled.Outputs(), Small.Members);
        for (int m = 0; m < Small.Members; m++)
        {
            Tensor own = tiled.Input[m];
            Torch.Close(outputs[m], b.MemberOutputs(own)[m], 1e-6);
        }
    }

    [Fact]
    public void BatchEnsembleAddsTwoModulationsPerHiddenNeuronPerMember()
    {
        var shape = new WorkloadShape(256, 16);
        using EnsembleWorkload w = EnsembleWorkload.Create(WorkloadKind.BatchEnsemble, shape);
        ParameterCount c = w.Count();
        Assert.Equal(shape.SingleNetworkParameters, c.Shared);
        Assert.Equal(2 * shape.Depth * shape.Width, c.PerMember);
        Assert.Equal(c.Shared + 16 * c.PerMember, c.Total);
    }

    [Fact]
    public void McDropoutMasksAreFixedAndNotCountedAsParameters()
    {
        using EnsembleWorkload w = EnsembleWorkload.Create(WorkloadKind.McDropout, Small);
        var model = (EnsembleMlp)w.Models[0];
        Assert.Empty(model.ModulationParameters());
        Assert.Equal(Small.SingleNetworkParameters, w.Count().Total);
        double[] u = Torch.D(model.U[0]);
        Assert.All(u, x => Assert.True(x == 0 || Math.Abs(x - 1 / EnsembleWorkload.KeepProbability) < 1e-12));
    }

    [Theory]
    [InlineData(WorkloadKind.SingleNetwork)]
    [InlineData(WorkloadKind.BatchEnsemble)]
    [InlineData(WorkloadKind.IndependentLoop)]
    public void ATrainingStepUpdatesTheWeightsAndLeavesThemFinite(WorkloadKind kind)
    {
        using EnsembleWorkload w = EnsembleWorkload.Create(kind, Small);
        IEnsembleModel model = w.Models[0];
        double[] before = Torch.D(model.SharedParameters().First());
        w.TrainStep();
        w.TrainStep();
        double[] after = Torch.D(model.SharedParameters().First());
        Assert.NotEqual(before, after);
        Assert.All(after, x => Assert.True(double.IsFinite(x)));
    }

    [Fact]
    public void ForwardLossKeepsTheGraphForBackward()
    {
        using EnsembleWorkload w = EnsembleWorkload.Create(WorkloadKind.BatchEnsemble, Small);
        using Tensor loss = w.ForwardLoss();
        Assert.True(loss.requires_grad);
        Assert.Equal(0, loss.dim());
    }
}

/// The layer variants the profiling compares compute the library layer's output.
public class LayerVariantTests
{
    public LayerVariantTests() => Torch.Init();

    [Fact]
    public void EveryVariantComputesTheLibraryLayer()
    {
        var shape = new WorkloadShape(Width: 12, Members: 3, Batch: 5);
        using var model = new EnsembleMlp(EnsembleWorkload.SpecOf(WorkloadKind.BatchEnsemble, shape) with { SigmaB = 0.7 }, seed: 2);
        var layer = (BatchEnsembleLinear)model.Layers[1];
        using var scope = NewDisposeScope();
        Tensor h = randn(3, 5, 12);
        Tensor library = EEArtifacts.Benchmarks.Profiling.LayerVariants.Compute("library", layer, h);
        Torch.Close(EEArtifacts.Benchmarks.Profiling.LayerVariants.Compute("unfused", layer, h), library, 1e-5);
        Assert.Equal(library.shape, EEArtifacts.Benchmarks.Profiling.LayerVariants.Compute("plain", layer, h).shape);
        Assert.Throws<ArgumentException>(() => EEArtifacts.Benchmarks.Profiling.LayerVariants.Compute("nope", layer, h));
    }
}
