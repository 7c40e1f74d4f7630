using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Training;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Models;

public class EnsembleCnnTests
{
    public EnsembleCnnTests() => T.Init();

    private static CnnSpec Tiny(EnsembleFamily family = EnsembleFamily.BatchEnsemble) => new()
    {
        Family = family, Members = 3, WidthMultiplier = 0.25, ConvsPerStage = 1, MemberReadoutBias = true,
        ULaw = family == EnsembleFamily.McDropout ? new BernoulliLaw(0.8) : new GaussLaw(1, 0.5),
        VLaw = family == EnsembleFamily.McDropout ? new ConstLaw(1) : new SignLaw(1),
    };

    [Theory]
    [InlineData(EnsembleFamily.BatchEnsemble)]
    [InlineData(EnsembleFamily.McDropout)]
    [InlineData(EnsembleFamily.Independent)]
    public void ForwardIsMemberMajorAndCountsAddUp(EnsembleFamily family)
    {
        using var scope = NewDisposeScope();
        using var cnn = new EnsembleCnn(Tiny(family), 1);
        Tensor x = T.Randn(1, 2, 3, 32, 32).to_type(ScalarType.Float32);
        Tensor f = cnn.forward(x);
        Assert.Equal(new long[] { 6, 10 }, f.shape);
        T.Close(f, cnn.MemberOutputs(x).reshape(6, 10), 0);
        ParameterCount count = cnn.Count();
        Assert.Equal(cnn.parameters().Sum(p => p.numel()), count.Total);
        long convs = (3 * 9 * 4 + 4) + (4 * 9 * 8 + 8) + (8 * 9 * 16 + 16), readout = 16 * 10;
        long modulations = 2 * (4 + 8 + 16);
        Assert.Equal(family switch
        {
            EnsembleFamily.BatchEnsemble => new ParameterCount(convs + readout, modulations + 10, 3),
            EnsembleFamily.McDropout => new ParameterCount(convs + readout, 10, 3),
            _ => new ParameterCount(0, convs + readout + 10, 3),
        }, count);
    }

    [Fact]
    public void ConstOneModulationsEqualTheSingleCnn()
    {
        using var scope = NewDisposeScope();
        var spec = Tiny() with { ULaw = new ConstLaw(1), VLaw = new ConstLaw(1), MemberReadoutBias = false };
        using var ensemble = new EnsembleCnn(spec, 4, ScalarType.Float64);
        using var single = new EnsembleCnn(spec with { Members = 1 }, 4, ScalarType.Float64);
        Tensor x = T.Randn(2, 2, 3, 32, 32);
        Tensor f = ensemble.MemberOutputs(x), g = single.MemberOutputs(x)[0];
        for (int a = 0; a < 3; a++) T.Close(f[a], g, 1e-12);
    }

    [Fact]
    public void TheTrainerTrainsACnnThroughTheSharedInterface()
    {
        using var scope = NewDisposeScope();
        using var cnn = new EnsembleCnn(Tiny(), 1);
        Tensor x = T.Randn(3, 4, 3, 32, 32).to_type(ScalarType.Float32);
        Tensor y = tensor(new long[] { 0, 1, 2, 3 });
        using var trainer = new EnsembleTrainer(cnn, new TrainingRule(0.5, 0.1, GammaRule.M));
        double first = trainer.Step(x, y).MeanLoss;
        for (int i = 0; i < 10; i++) trainer.Step(x, y);
        Assert.True(trainer.Evaluate(x, y).MeanLoss < first);
    }

    [Fact]
    public void BadCnnDescriptionsFailClearly()
    {
        Assert.Contains("ensemble size", Assert.Throws<ArgumentException>(() => new EnsembleCnn(Tiny() with { Members = 0 }, 1)).Message);
        Assert.Contains("width multiplier", Assert.Throws<ArgumentException>(() => new EnsembleCnn(Tiny() with { WidthMultiplier = 0 }, 1)).Message);
        Assert.Contains("stage channels", Assert.Throws<ArgumentException>(() => new EnsembleCnn(Tiny() with { StageChannels = [16, 0] }, 1)).Message);
        Assert.Contains("bernoulli", Assert.Throws<ArgumentException>(() => new EnsembleCnn(Tiny(EnsembleFamily.McDropout) with { ULaw = new SignLaw(1) }, 1)).Message);
    }
}
