using EEArtifacts.Experiments.Catalogue;

namespace EEArtifacts.Experiments.Tests.Catalogue;

/// <summary>The fair protocol's stopping rule: every family stops once its members' train accuracy has plateaued.</summary>
public sealed class PlateauRuleTests
{
    private static readonly PlateauRule Rule = new(MinEpochs: 4, Window: 2, Tolerance: 0.01, ProbeSize: 100);

    [Theory]
    [InlineData(new[] { 0.5, 0.5, 0.5 }, false)]                 // flat, but fewer than MinEpochs
    [InlineData(new[] { 0.5, 0.6, 0.7, 0.75 }, false)]           // windows 0.55 -> 0.725
    [InlineData(new[] { 0.5, 0.7, 0.705, 0.708, 0.709 }, true)]  // windows 0.7025 -> 0.7085
    [InlineData(new[] { 0.6, 0.7, 0.72, 0.69, 0.76 }, false)]    // one noisy epoch: windows 0.71 -> 0.725, still rising
    [InlineData(new[] { 0.6, 0.7, 0.73, 0.72, 0.71 }, true)]     // windows 0.715 -> 0.715: no gain
    public void StopsOnlyAfterMinEpochsOnceOneWindowGainsLessThanTheToleranceOverThePrevious(double[] accuracy, bool stops) =>
        Assert.Equal(stops, Rule.Stops(accuracy));

    [Fact]
    public void ARuleThatCannotFireWithinTheEpochBudgetIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Rule.Validate(maxEpochs: 3));
        Assert.StartsWith("plateau rule needs 1 <= window, 2 windows <= min epochs <= epochs (3)", e.Message);
    }
}
