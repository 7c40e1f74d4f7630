using EmbeddedEnsembles.Configurations;
using EmbeddedEnsembles.Descriptions;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Configurations;

public class EnsembleConfigurationTests
{
    [Fact]
    public void TheNamedConfigurationsAreDistinctAndFoundByName()
    {
        var all = EnsembleConfigurations.All;
        Assert.Equal(["common", "mc-dropout", "independent-regime", "independent-networks", "single-network"], all.Select(c => c.Name));
        Assert.Equal(all.Count, all.Select(c => c.Description).Distinct().Count());
        Assert.All(all, c => Assert.Same(c, EnsembleConfigurations.Named(c.Name)));
        var e = Assert.Throws<ArgumentException>(() => EnsembleConfigurations.Named("deep"));
        Assert.Equal("unknown configuration 'deep': use one of common, mc-dropout, independent-regime, independent-networks, single-network", e.Message);
    }

    [Fact]
    public void TheRegimesAreWhatTheDocsSay()
    {
        // Common: U1 = 1 and gamma = 1 (collective); the paper's independent regime: U1 = 0 and gamma = M.
        Assert.Equal((1.0, 1.0), (EnsembleConfigurations.Common.ULaw.Mean, EnsembleConfigurations.Common.Gamma.Value(4)));
        Assert.Equal((0.0, 4.0), (EnsembleConfigurations.IndependentRegime.ULaw.Mean, EnsembleConfigurations.IndependentRegime.Gamma.Value(4)));
        Assert.Equal(0.5, ((BernoulliLaw)EnsembleConfigurations.McDropout.ULaw).P);
        Assert.Equal(1, EnsembleConfigurations.SingleNetwork.Spec(4, 8, 2, 3, members: 4).Members);
        Assert.Equal(4, EnsembleConfigurations.IndependentNetworks.Spec(4, 8, 2, 3, members: 4).Members);
    }

    [Fact]
    public void LearningRatesFollowTheLossAveraging()
    {
        var common = EnsembleConfigurations.Common.Rule(0.2, 4, momentum: 0.9);
        Assert.Equal((0.2, 0.05, 0.9, 0.05), (common.MuW, common.MuU, common.Momentum, common.SharedLearningRate(4)));
        var paper = EnsembleConfigurations.IndependentRegime.Rule(0.2, 4, momentum: 0);
        Assert.Equal((0.2, 0.2, 0.2), (paper.MuW, paper.MuU, paper.SharedLearningRate(4)));
        // A single network on the mean loss: plain SGD at eta.
        Assert.Equal(0.2, EnsembleConfigurations.SingleNetwork.Rule(0.2, 4, 0).SharedLearningRate(1));
    }
}
