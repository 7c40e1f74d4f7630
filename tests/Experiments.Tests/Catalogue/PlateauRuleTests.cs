using EEArtifacts.Experiments.Catalogue;

namespace EEArtifacts.Experiments.Tests.Catalogue;

/// <summary>The fair protocol's stopping rule: every family stops once its members' train accuracy has plateaued.</summary>
public sealed class PlateauRuleTests
{
    private static readonly PlateauRule Rule = new(MinEpochs: 4, Window: 2, Tolerance: 0.01, ProbeSize: 100);

    [Theory]
    [InlineData(new[] { 0.5, 0.6, 0.605 }, false)]            // flat, but fewer than MinEpochs
    [InlineData(new[] { 0.5, 0.6, 0.7, 0.75 }, false)]         // +0.15 over the last 2 epochs
    [InlineData(new[] { 0.5, 0.6, 0.7, 0.705, 0.709 }, true)]  // +0.009 over the last 2 epochs
    [InlineData(new[] { 0.5, 0.6, 0.7, 0.69, 0.695 }, true)]   // fell and came back: no gain
    public void StopsOnlyAfterMinEpochsOnceTheGainOverTheWindowIsBelowTheTolerance(double[] accuracy, bool stops) =>
        Assert.Equal(stops, Rule.Stops(accuracy));

    [Fact]
    public void ARuleThatCannotFireWithinTheEpochBudgetIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Rule.Validate(maxEpochs: 3));
        Assert.StartsWith("plateau rule needs 1 <= window < min epochs <= epochs (3)", e.Message);
    }
}
