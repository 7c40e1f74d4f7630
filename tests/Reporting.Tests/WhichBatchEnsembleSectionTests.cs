using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Figures;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Sections;
using static EEArtifacts.Reporting.Tests.WhichBatchEnsembleFixture;

namespace EEArtifacts.Reporting.Tests;

/// <summary>E8's claims and figure computed from a small results folder.</summary>
public sealed class WhichBatchEnsembleSectionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-e8-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static readonly WhichBatchEnsembleSection Section = new();

    private ExperimentResults Results(IReadOnlyList<Setting> settings)
    {
        var folder = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        Write(folder, settings);
        return ResultsReader.ReadExperiment(Path.Combine(folder, Section.Experiment), Section.Experiment);
    }

    private Dictionary<string, ClaimResult> Claims(IReadOnlyList<Setting> settings)
    {
        var results = Results(settings);
        Assert.Empty(results.Rows.MissingColumns(Section.RowColumns));
        return Section.Claims.Select(c => c.Evaluate(results)).ToDictionary(c => c.Id);
    }

    private static List<Setting> With(string name, Func<Setting, Setting> change) =>
        AsPredicted.Select(s => s.Name == name ? change(s) : s).ToList();

    [Fact]
    public void EveryClaimHoldsOnRowsAsTheTheoryPredicts()
    {
        var claims = Claims(AsPredicted);

        Assert.All(claims.Values, c => Assert.True(c.Verdict == Verdict.Holds, $"{c.Id}: {c.Verdict} ({c.ValueText}; {c.Note})"));
        // E8.1 is common's own gain, 0.002 nats (below the 0.01 margin); E8.5 compares the 5 pairs with distinct analytic ratios
        // (the two analytic zeros tie), the closest of them in measured correlation being common against MC-dropout.
        Assert.Equal(0.002, claims["E8.1"].Value!.Value.Value, 4);
        Assert.Contains("5 pairs; weakest: common (0.46) vs mc-dropout (0.3)", claims["E8.5"].Note);
    }

    [Fact]
    public void ACommonConfigurationThatEnsemblesFailsTheFirstTwoClaims()
    {
        var claims = Claims(With(WhichBatchEnsembleSection.Common, s => s with { Gain = 0.1, AurocEntropy = 0.8 }));

        Assert.Equal(Verdict.DoesNotHold, claims["E8.1"].Verdict);
        Assert.Equal(Verdict.DoesNotHold, claims["E8.2"].Verdict);
        Assert.Equal(Verdict.Holds, claims["E8.3"].Verdict);
    }

    [Fact]
    public void AnIndependentRegimeThatCollapsesFailsAndAReversedOrderingFails()
    {
        var claims = Claims(With(WhichBatchEnsembleSection.IndependentRegime, s => s with { Gain = 0.02, Disagreement = 0.02, LogitCorrelation = 0.995 }));

        Assert.Equal(Verdict.DoesNotHold, claims["E8.3"].Verdict);
        Assert.Equal(Verdict.DoesNotHold, claims["E8.4"].Verdict);
        Assert.Equal(Verdict.DoesNotHold, claims["E8.5"].Verdict); // analytic 0 but trained more correlated than common (0.46)
    }

    [Fact]
    public void AMissingConfigurationLeavesItsClaimsInconclusive()
    {
        var claims = Claims(AsPredicted.Where(s => s.Name != WhichBatchEnsembleSection.IndependentNetworks).ToList());

        Assert.Equal(Verdict.Inconclusive, claims["E8.3"].Verdict);
        Assert.Contains("no rows of configuration independent-networks", claims["E8.3"].Note);
        Assert.Equal(Verdict.Holds, claims["E8.1"].Verdict);
        Assert.Equal(Verdict.Holds, claims["E8.2"].Verdict);
    }

    [Fact]
    public void ACommonGainNeitherClearlyBelowNorAboveTheMarginIsInconclusiveAndSaysHowManyRepeatsWouldDecide()
    {
        // 0.01 nats, the margin itself, with 1% noise over 3 repeats: the interval contains the margin.
        var claim = Claims(With(WhichBatchEnsembleSection.Common, s => s with { Gain = 0.01 }))["E8.1"];

        Assert.Equal(Verdict.Inconclusive, claim.Verdict);
        Assert.Matches(@"resolves with SE ≤ [0-9.E-]+, i\.e\. n ≥ \d+ \(now n = 3", claim.Note);
    }

    [Fact]
    public void TheTheoryTableSaysTheAnalyticNtkRatioIsNotDefinedUnderTheStandardParameterization()
    {
        var table = Section.Tables(Results(AsPredicted)).Single();

        var byName = table.Rows.ToDictionary(r => r[0]);
        Assert.Equal(WhichBatchEnsembleSection.NtkNotDefined, byName[WhichBatchEnsembleSection.Common][3]);
        Assert.Equal("standard", byName[WhichBatchEnsembleSection.Common][1]);
        Assert.Equal("0.46", byName[WhichBatchEnsembleSection.Common][2]);
        Assert.Equal("0.3", byName[WhichBatchEnsembleSection.McDropout][3]); // NTK parameterization: the analytic value
        Assert.Equal("n/a (M = 1)", byName[WhichBatchEnsembleSection.SingleNetwork][3]);
        Assert.Contains("not computed for a substitute network", table.Caption);
    }

    [Fact]
    public void TheFigureMarksTheAnalyticStartOfEveryEnsemble()
    {
        var figure = Section.Figures(Results(AsPredicted)).Single();

        Assert.Equal(3, figure.Panels.Count);
        var gain = figure.Panels[0];
        var common = gain.Series.Single(s => s.Style == SeriesStyle.Theory && s.Key == WhichBatchEnsembleSection.Common);
        Assert.Equal(0.46, common.X[0], 12);
        Assert.InRange(common.X[1], 0.97, 1); // the trained correlation, 0.99 up to the fixture's noise
        var single = gain.Series.Single(s => s.Label == "single");
        Assert.Equal((1.0, 0.0), (single.X[0], single.Y[0]));
        Assert.DoesNotContain(gain.Series, s => s.Style == SeriesStyle.Theory && s.Key == WhichBatchEnsembleSection.SingleNetwork);
        Assert.Equal(["common", "MC-drop.", "ind. regime", "ind. nets", "single"], figure.Panels[1].XTicks.Select(t => t.Label));
    }
}
