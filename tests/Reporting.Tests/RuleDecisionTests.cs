using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;

namespace EEArtifacts.Reporting.Tests;

/// <summary>Each rule on a given measurement: holds, does not hold, and inconclusive with the number of repeats that would decide it.</summary>
public sealed class RuleDecisionTests
{
    private static readonly ExperimentResults AnyRows = new() { Name = "x", Exists = true, Rows = CsvTable.Parse("a\n1\n") };

    private static ClaimResult Decide(Func<Func<ExperimentResults, StatOutcome>, ClaimRule> rule, double value, double se, int n) =>
        rule(_ => StatOutcome.Of(new Measurement(value, se, n))).Evaluate(AnyRows);

    /// <summary>The n the note names: the smallest n at which SE·sqrt(n_now/n) reaches the SE that resolves the estimate.</summary>
    private static int NeededN(ClaimResult r)
    {
        var m = System.Text.RegularExpressions.Regex.Match(r.Note, @"n ≥ (\d+) \(now n = (\d+)");
        Assert.True(m.Success, r.Note);
        return int.Parse(m.Groups[1].Value);
    }

    private static ClaimRule Equivalence(Func<ExperimentResults, StatOutcome> f) => new IntervalRule("T.1", "equal", "test", "difference", -0.01, 0.01, 2, f);

    [Theory]
    [InlineData(0.002, 0.003, Verdict.Holds)] // [-0.004, 0.008] inside ±0.01
    [InlineData(0.03, 0.005, Verdict.DoesNotHold)] // [0.02, 0.04] wholly above
    [InlineData(-0.03, 0.005, Verdict.DoesNotHold)] // wholly below
    public void AnEquivalenceResolvesBothWays(double value, double se, Verdict expected) =>
        Assert.Equal(expected, Decide(Equivalence, value, se, 3).Verdict);

    [Fact]
    public void AnEquivalenceThatStraddlesTheMarginNamesTheRepeatsThatWouldDecideIt()
    {
        // Inside the margin: it holds once 2 SE ≤ 0.01 − 0.006 = 0.004, so SE 0.009 at n = 3 needs n ≥ 3 (0.009/0.002)² = 60.75, 61.
        var inside = Decide(Equivalence, -0.006, 0.009, 3);
        Assert.Equal(Verdict.Inconclusive, inside.Verdict);
        Assert.Equal(61, NeededN(inside));

        // Outside: it does not hold once 2 SE < 0.021 − 0.01, so SE 0.0098 at n = 3 needs n ≥ 3 (0.0098/0.0055)² = 9.52..., 10.
        var outside = Decide(Equivalence, 0.021, 0.0098, 3);
        Assert.Equal(Verdict.Inconclusive, outside.Verdict);
        Assert.Equal(10, NeededN(outside));
    }

    private static ClaimRule Positive(Func<ExperimentResults, StatOutcome> f) => new PositiveRule("T.2", "grows", "test", "change", 2, f, negligible: 0.01);

    [Theory]
    [InlineData(0.005, 0.002, Verdict.Holds)] // z = 2.5, even though below the negligible effect
    [InlineData(0.001, 0.003, Verdict.DoesNotHold)] // upper end 0.007 < 0.01: any effect is negligible
    [InlineData(-0.02, 0.005, Verdict.DoesNotHold)] // the opposite effect
    public void APositiveClaimWithANegligibleEffectResolvesBothWays(double value, double se, Verdict expected) =>
        Assert.Equal(expected, Decide(Positive, value, se, 5).Verdict);

    [Fact]
    public void APositiveClaimWithinTheUncertaintyNamesTheRepeatsThatWouldDecideIt()
    {
        // 0.0005 ± 0.0071 (n = 18): the nearer resolution is the upper end below 0.01, 2 SE ≤ 0.0095: n ≥ 18 (0.0071/0.00475)² = 40.2..., 41.
        var r = Decide(Positive, 0.0005, 0.0071, 18);
        Assert.Equal(Verdict.Inconclusive, r.Verdict);
        Assert.Equal(41, NeededN(r));
    }

    [Fact]
    public void APositiveClaimWithoutANegligibleEffectIsRefutedOnlyByTheOppositeEffect()
    {
        ClaimRule Rule(Func<ExperimentResults, StatOutcome> f) => new PositiveRule("T.3", "grows", "test", "change", 2, f);
        Assert.Equal(Verdict.Inconclusive, Decide(Rule, 0.001, 0.003, 5).Verdict);
        Assert.Equal(Verdict.DoesNotHold, Decide(Rule, -0.01, 0.003, 5).Verdict);
        var atZero = Decide(Rule, 0, 0.003, 5);
        Assert.Equal(Verdict.Inconclusive, atZero.Verdict);
        Assert.Contains("no number of repeats resolves it", atZero.Note);
    }

    private static ClaimRule AtMost(Func<ExperimentResults, StatOutcome> f) => new BoundRule("T.4", "no better", "test", "difference", 0.02, atMost: true, 2, f);

    [Theory]
    [InlineData(-0.03, 0.02, Verdict.Holds)] // upper end 0.01 ≤ 0.02
    [InlineData(0.08, 0.02, Verdict.DoesNotHold)] // lower end 0.04 > 0.02
    public void ABoundResolvesBothWays(double value, double se, Verdict expected) =>
        Assert.Equal(expected, Decide(AtMost, value, se, 5).Verdict);

    [Fact]
    public void ABoundThatContainsTheMarginNamesTheRepeatsThatWouldDecideIt()
    {
        // -0.023 ± 0.0237 (n = 5): it holds once 2 SE ≤ 0.043, n ≥ 5 (0.0237/0.0215)² = 6.07..., 7.
        var r = Decide(AtMost, -0.023, 0.0237, 5);
        Assert.Equal(Verdict.Inconclusive, r.Verdict);
        Assert.Equal(7, NeededN(r));
    }

    [Fact]
    public void AnEqualityTooUncertainToDecideNamesTheRepeatsThatWouldBringItsSeUnderTheLimit()
    {
        ClaimRule Rule(Func<ExperimentResults, StatOutcome> f) => new EqualsRule("T.5", "is zero", "test", "value", 0, 3, 0.1, f);
        Assert.Equal(Verdict.Holds, Decide(Rule, 0.05, 0.05, 4).Verdict);
        Assert.Equal(Verdict.DoesNotHold, Decide(Rule, 0.5, 0.05, 4).Verdict);
        var r = Decide(Rule, 0.05, 0.23, 4); // n ≥ 4 (0.23/0.1)² = 21.16, 22
        Assert.Equal(Verdict.Inconclusive, r.Verdict);
        Assert.Equal(22, NeededN(r));
    }
}
