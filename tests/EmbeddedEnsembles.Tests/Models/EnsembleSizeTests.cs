using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Models;

/// <summary>Every entry point that takes an ensemble size rejects M = 0 with the one message of <see cref="EnsembleSize"/>.</summary>
public sealed class EnsembleSizeTests
{
    private const string Message = "ensemble size M must be >= 1, got 0";

    [Fact]
    public void DescriptionsLayersAndGammaRulesShareOneCheck()
    {
        Assert.Equal(3, EnsembleSize.Require(3));
        Assert.Equal(Message, Assert.Throws<ArgumentException>(() => EnsembleSize.Require(0)).Message);
        Assert.Equal(Message, Assert.Throws<ArgumentException>(() => new MlpSpec { Members = 0 }.Validate()).Message);
        Assert.Equal(Message, Assert.Throws<ArgumentException>(() => new CnnSpec { Members = 0 }.Validate()).Message);
        Assert.Equal(Message, Assert.Throws<ArgumentException>(() => new EnsembleLayerOptions(0, Activation.Relu, Parameterization.Ntk, 1, 0).Validate()).Message);
        Assert.Equal(Message, Assert.Throws<ArgumentException>(() => GammaRule.M.Value(0)).Message);
    }
}
