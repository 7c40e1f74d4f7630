using EEArtifacts.Reporting.Claims;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Sections;

namespace EEArtifacts.Reporting.Tests;

/// <summary>Holding, failing and inconclusive fixtures for each kind of rule, through the real sections.</summary>
public sealed class ClaimRuleTests
{
    private static ExperimentResults Data(string name, string csv) =>
        new() { Name = name, Exists = true, Rows = CsvTable.Parse(csv) };

    private static ClaimResult Eval(ExperimentSection s, string id, string csv) =>
        s.Claims.Single(c => c.Id == id).Evaluate(Data(s.Experiment, csv));

    private const string GpHeader =
        "experiment,cell,repeat,seed,setting,u1,regime,width,samples,same_cov_emp,same_cov_se,same_cov_theory,cross_cov_emp,cross_cov_se,cross_cov_theory,cross_corr_emp,cross_corr_se,cross_corr_theory,rel_err_nngp,excess_kurtosis,excess_kurtosis_se\n";

    private static string GpRow(int width, double corr, double corrSe) =>
        FormattableString.Invariant($"gp-init,0,0,1,BE sign,0,independent,{width},200,0.5,0.01,0.5,0,0.01,0,{corr},{corrSe},0,0,0.1,0.01\n");

    [Theory]
    [InlineData(0.01, 0.02, Verdict.Holds)] // z = 0.5
    [InlineData(0.20, 0.02, Verdict.DoesNotHold)] // z = 10
    [InlineData(0.20, 0.50, Verdict.Inconclusive)] // SE above the 0.1 limit
    public void EqualsRule_CrossCorrelationAtLargestWidth(double corr, double se, Verdict expected)
    {
        // The width-64 row would fail the rule: only the largest width counts.
        var csv = GpHeader + GpRow(64, 0.9, 0.01) + GpRow(1024, corr, se);
        var r = Eval(new GpInitSection(), "E1.1", csv);
        Assert.Equal(expected, r.Verdict);
        Assert.Contains("width 1024", r.Note);
    }

    private const string NtkHeader = "experiment,cell,repeat,seed,setting,u1,regime,width,rel_err_com,rel_err_ind,cross_same_ratio_emp,cross_same_ratio_theory\n";

    private static string NtkRows(double exponent, double jitter) =>
        string.Concat(new[] { 64, 128, 256, 512, 1024 }.SelectMany((w, i) => new[] { -1, 1 }.Select(sign =>
            FormattableString.Invariant($"ntk-init,{i},0,1,BE sign,0,independent,{w},{Math.Pow(w, exponent) * (1 + sign * jitter)},{Math.Pow(w, exponent)},0,0\n"))));

    [Theory]
    [InlineData(-0.5, 0.02, Verdict.Holds)]
    [InlineData(-1.0, 0.02, Verdict.DoesNotHold)]
    [InlineData(-0.5, 0.95, Verdict.Inconclusive)] // so noisy that the slope's SE exceeds 0.1
    public void IntervalRule_NtkSlope(double exponent, double jitter, Verdict expected)
    {
        var r = Eval(new NtkInitSection(), "E2.1", NtkHeader + NtkRows(exponent, jitter));
        Assert.Equal(expected, r.Verdict);
    }

    private const string RegHeader =
        "experiment,cell,repeat,seed,part,setting,u1,gamma,members,regime,ens_test_loss,member_test_loss,ens_test_acc,member_test_acc,disagreement,correlation,ensemble_gain\n";

    private static string RegRows(double indGain, double colGain, double spread) =>
        string.Concat(new[] { -1, 0, 1 }.Select(k => FormattableString.Invariant(
            $"regimes,0,0,1,regime,independent,0,4,4,independent,0.5,0.6,0.8,0.7,0.1,0.3,{indGain + k * spread}\nregimes,1,0,1,regime,collective,1,1,4,collective,0.5,0.6,0.8,0.7,0.1,0.8,{colGain + k * spread}\n")));

    [Theory]
    [InlineData(0.08, 0.02, 0.005, Verdict.Holds)]
    [InlineData(0.02, 0.08, 0.005, Verdict.DoesNotHold)]
    [InlineData(0.08, 0.07, 0.05, Verdict.Inconclusive)]
    public void PositiveRule_RegimeGain(double ind, double col, double spread, Verdict expected)
    {
        var r = Eval(new RegimesSection(), "E3.1", RegHeader + RegRows(ind, col, spread));
        Assert.Equal(expected, r.Verdict);
    }

    [Fact]
    public void MissingDataIsInconclusiveAndSaysWhy()
    {
        var none = new ExperimentResults { Name = "regimes", Exists = false };
        var r = new RegimesSection().Claims[0].Evaluate(none);
        Assert.Equal(Verdict.Inconclusive, r.Verdict);
        Assert.Contains("data missing", r.Note);

        // Only one regime present.
        var csv = RegHeader + "regimes,0,0,1,regime,independent,0,4,4,independent,0.5,0.6,0.8,0.7,0.1,0.3,0.08\n";
        var r2 = Eval(new RegimesSection(), "E3.1", csv);
        Assert.Equal(Verdict.Inconclusive, r2.Verdict);
        Assert.Contains("both regimes", r2.Note);
    }

    [Fact]
    public void EveryRuleHasItsTextAndSource()
    {
        foreach (var s in ExperimentSection.All())
        {
            Assert.NotEmpty(s.Claims);
            foreach (var c in s.Claims)
            {
                Assert.StartsWith(s.Id + ".", c.Id);
                Assert.False(string.IsNullOrWhiteSpace(c.RuleText));
                Assert.False(string.IsNullOrWhiteSpace(c.Source));
                Assert.False(string.IsNullOrWhiteSpace(c.Statistic));
            }
        }
    }
}
