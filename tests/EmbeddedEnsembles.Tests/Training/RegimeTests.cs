using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Training;

/// <summary>The regime rule of THEORY.md: U1 = E u at initialization, U1 and gamma(M) in training.</summary>
public sealed class RegimeTests
{
    [Theory]
    [InlineData("sign(1)", "M", OperatingRegime.Independent)]
    [InlineData("gauss(0,0.5)", "M", OperatingRegime.Independent)]
    [InlineData("gauss(1,0.5)", "1", OperatingRegime.Collective)]
    [InlineData("bernoulli(0.5)", "1", OperatingRegime.Collective)]
    [InlineData("sign(1)", "1", OperatingRegime.Mixed)]
    [InlineData("gauss(1,0.5)", "M", OperatingRegime.Mixed)]
    [InlineData("sign(1)", "sqrt(M)", OperatingRegime.Mixed)]
    [InlineData("const(1)", "4", OperatingRegime.Mixed)] // gamma 4 equals M = 4 numerically, but the rule is not gamma(M) = M
    public void TrainingRegimeFollowsU1AndTheGammaRule(string law, string gamma, OperatingRegime expected) =>
        Assert.Equal(expected, Regime.Of(EnsembleFamily.BatchEnsemble, ModulationLaw.Parse(law), GammaRule.Parse(gamma)));

    [Theory]
    [InlineData("sign(1)", 0, OperatingRegime.Independent)]
    [InlineData("gauss(1,0.5)", 1, OperatingRegime.Collective)]
    [InlineData("const(1)", 1, OperatingRegime.Collective)]
    [InlineData("bernoulli(0.5)", 1, OperatingRegime.Collective)]
    public void AtInitializationU1AloneDecides(string law, double u1, OperatingRegime expected)
    {
        ModulationLaw u = ModulationLaw.Parse(law);
        Assert.Equal(u1, Regime.U1(EnsembleFamily.BatchEnsemble, u));
        Assert.Equal(expected, Regime.AtInitialization(EnsembleFamily.BatchEnsemble, u));
    }

    [Fact]
    public void SeparateNetworksHaveNoU1AndNoRegime()
    {
        Assert.True(double.IsNaN(Regime.U1(EnsembleFamily.Independent, new ConstLaw(1))));
        Assert.Equal(OperatingRegime.None, Regime.Of(EnsembleFamily.Independent, new ConstLaw(1), GammaRule.M));
        Assert.Equal("none", Regime.Name(OperatingRegime.None));
        Assert.Equal("independent", Regime.Name(OperatingRegime.Independent));
    }
}
