using System.Globalization;
using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Sections;
using EEArtifacts.ResultsContract;

namespace EEArtifacts.Reporting.Tests;

/// <summary>The E4 and E5 statistics: paired ensemble gains, the member trend over every width and M, and the single networks' growth.</summary>
public sealed class AccuracyClaimTests
{
    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Small deterministic noise in [-1, 1].</summary>
    private static double Noise(int i) => Math.Sin(2.3 * i + 0.7);

    private static ExperimentResults WidthSweep(Func<double, int, int, (double Ens, double Member)> accuracy)
    {
        var rows = new List<string[]>();
        var i = 0;
        foreach (var family in new[] { WidthSweepSection.MainFamily, WidthSweepSection.IndependentFamily })
        {
            foreach (var mult in new[] { 0.5, 1.0, 2.0 })
            {
                foreach (var m in new[] { 1, 2, 4, 8 })
                {
                    for (var rep = 0; rep < 3; rep++)
                    {
                        var (ens, member) = accuracy(mult, m, i++);
                        rows.Add([
                            "fashion-mnist-subset", "mlp", family, family == WidthSweepSection.MainFamily ? "independent" : "none", F(mult), F(64 * mult),
                            m.ToString(CultureInfo.InvariantCulture), "1000", "10", F(ens), F(member), F(0.9), F(0.4), F(0.03), F(0.1), F(0.9)]);
                    }
                }
            }
        }

        return new ExperimentResults { Name = "width-sweep", Exists = true, Rows = new CsvTable(ResultLayout.WidthSweep.Rows, rows) };
    }

    private static ClaimResult Claim(ExperimentSection section, string id, ExperimentResults results) =>
        section.Claims.Single(c => c.Id == id).Evaluate(results);

    [Fact]
    public void TheEnsembleGainIsPairedWithinEachTrainedEnsemble()
    {
        // Separately trained cells scatter by ±0.03, ten times the gain: each ensemble still beats its own members by 0.003.
        var results = WidthSweep((_, m, i) =>
        {
            var member = 0.8 + 0.03 * Noise(i);
            return (member + (m > 1 ? 0.003 + 0.0002 * Noise(7 * i) : 0), member);
        });

        var claim = Claim(new WidthSweepSection(), "E4.2", results);

        Assert.Equal(Verdict.Holds, claim.Verdict);
        Assert.Equal(0.003, claim.Value!.Value.Value, 3);
        Assert.Contains("width ×1, M = 8", claim.Note);
    }

    [Theory]
    [InlineData(0.0, Verdict.Holds)] // flat in M at every width
    [InlineData(0.01, Verdict.DoesNotHold)] // 0.01 per doubling: 0.03 from M = 1 to 8
    public void TheMemberTrendUsesEveryWidthAndM(double perDoubling, Verdict expected)
    {
        // Widths differ by 0.1 in accuracy: one intercept per width keeps that out of the trend.
        var results = WidthSweep((mult, m, i) =>
        {
            var member = 0.7 + 0.1 * Math.Log2(mult) + perDoubling * Math.Log2(m) + 0.002 * Noise(i);
            return (member + 0.01, member);
        });

        var claim = Claim(new WidthSweepSection(), "E4.3", results);

        Assert.Equal(expected, claim.Verdict);
        Assert.Equal(3 * perDoubling, claim.Value!.Value.Value, 3);
        Assert.Contains("3 widths, 36 rows, 12 per repeat", claim.Note);
    }

    [Fact]
    public void AMemberTrendTooNoisyToDecideSaysHowManyRowsWouldDecideIt()
    {
        var results = WidthSweep((_, m, i) => (0.81, 0.8 + 0.05 * Noise(i)));

        var claim = Claim(new WidthSweepSection(), "E4.3", results);

        Assert.Equal(Verdict.Inconclusive, claim.Verdict);
        Assert.Matches(@"n ≥ \d+ \(now n = 36", claim.Note);
    }

    private static ExperimentResults ParamScatter(double perDecade, double beAbove)
    {
        var section = new ParamScatterSection();
        var rows = new List<string[]>();
        var i = 0;
        foreach (var p in new[] { 1e4, 3e4, 1e5, 3e5, 1e6 })
        {
            for (var rep = 0; rep < 3; rep++)
            {
                var acc = 0.8 + perDecade * Math.Log10(p / 1e4) + 0.002 * Noise(i++);
                rows.Add(["fashion-mnist-subset", "mlp", "single", "none", F(p), F(acc), F(acc)]);
            }
        }

        foreach (var p in new[] { 5e4, 2e5 })
        {
            for (var rep = 0; rep < 3; rep++)
            {
                var acc = 0.8 + perDecade * Math.Log10(p / 1e4) + beAbove + 0.002 * Noise(i++);
                rows.Add(["fashion-mnist-subset", "mlp", "batch-ensemble", "independent", F(p), F(acc), F(acc - 0.01)]);
            }
        }

        return new ExperimentResults { Name = "param-scatter", Exists = true, Rows = new CsvTable(section.RowColumns, rows) };
    }

    [Theory]
    [InlineData(0.02, Verdict.Holds)] // 0.02 per decade over 2 decades
    [InlineData(0.0, Verdict.DoesNotHold)] // flat: any growth is below 0.01
    public void SingleNetworksGrowthIsTheFittedChangeAcrossTheirRange(double perDecade, Verdict expected)
    {
        var claim = Claim(new ParamScatterSection(), "E5.2", ParamScatter(perDecade, 0));

        Assert.Equal(expected, claim.Verdict);
        Assert.Equal(2 * perDecade, claim.Value!.Value.Value, 3);
    }

    [Theory]
    [InlineData(0.03, Verdict.Holds)]
    [InlineData(0.0, Verdict.DoesNotHold)]
    public void TheResidualAboveSingleNetworksCarriesTheLinesOwnUncertainty(double above, Verdict expected)
    {
        var claim = Claim(new ParamScatterSection(), "E5.1", ParamScatter(0.02, above));

        Assert.Equal(expected, claim.Verdict);
        Assert.Equal(above, claim.Value!.Value.Value, 3);
        Assert.Matches(@"6 batch-ensemble rows, 2 widths per repeat \(residual SE [0-9.E-]+\) vs a fit over 15 single networks \(line SE [0-9.E-]+\)", claim.Note);
    }
}
