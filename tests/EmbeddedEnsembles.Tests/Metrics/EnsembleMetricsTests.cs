using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Metrics;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Metrics;

public class EnsembleMetricsTests
{
    public EnsembleMetricsTests() => T.Init();

    private static Tensor LogitsOf(double[,,] probs)
    {
        int m = probs.GetLength(0), b = probs.GetLength(1), c = probs.GetLength(2);
        var flat = new double[m * b * c];
        int i = 0;
        foreach (double p in probs) flat[i++] = Math.Log(p);
        return tensor(flat, new long[] { m, b, c });
    }

    [Fact]
    public void HandComputedTwoMemberCase()
    {
        using var scope = NewDisposeScope();
        // Member probabilities (logits = log p): 2 members, 3 examples, 2 classes.
        var p = new double[2, 3, 2]
        {
            { { 0.9, 0.1 }, { 0.6, 0.4 }, { 0.2, 0.8 } },
            { { 0.7, 0.3 }, { 0.2, 0.8 }, { 0.4, 0.6 } },
        };
        Tensor labels = tensor(new long[] { 0, 0, 1 });
        ClassificationMetrics r = EnsembleMetrics.Classification(LogitsOf(p), labels);
        // Mean probabilities: (0.8,0.2), (0.4,0.6), (0.3,0.7); predictions 0,1,1; correct, wrong, correct.
        Assert.Equal(2.0 / 3, r.Accuracy, 12);
        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.4) + Math.Log(0.7)) / 3, r.Nll, 12);
        Assert.Equal((2 * 0.04 + 2 * 0.36 + 2 * 0.09) / 3, r.Brier, 12);
        // Confidences 0.8, 0.6 and 0.7 fall in three different bins: ECE = mean |correct - confidence|.
        Assert.Equal((Math.Abs(1 - 0.8) + Math.Abs(0 - 0.6) + Math.Abs(1 - 0.7)) / 3, r.Ece, 12);
        Assert.Equal(1.0, r.MemberAccuracy[0], 12);
        Assert.Equal(2.0 / 3, r.MemberAccuracy[1], 12);
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.6) + Math.Log(0.8)) / 3, r.MemberNll[0], 12);
        Assert.Equal(-(Math.Log(0.7) + Math.Log(0.2) + Math.Log(0.6)) / 3, r.MemberNll[1], 12);
        Assert.Equal((1 + 2.0 / 3) / 2, r.MeanMemberAccuracy, 12);
        Assert.Equal(1.0 / 3, r.Disagreement, 12); // members disagree on example 2 only
        // Mutual information: H(mean) - mean H(member).
        static double H(params double[] q) => -q.Sum(v => v * Math.Log(v));
        double mi = (H(0.8, 0.2) - (H(0.9, 0.1) + H(0.7, 0.3)) / 2
                   + H(0.4, 0.6) - (H(0.6, 0.4) + H(0.2, 0.8)) / 2
                   + H(0.3, 0.7) - (H(0.2, 0.8) + H(0.4, 0.6)) / 2) / 3;
        Assert.Equal(mi, r.MutualInformation, 12);
        // Correlation of the flattened probability vectors.
        double[] a = { 0.9, 0.1, 0.6, 0.4, 0.2, 0.8 }, b = { 0.7, 0.3, 0.2, 0.8, 0.4, 0.6 };
        double ma = a.Average(), mb = b.Average();
        double cov = a.Zip(b).Sum(t => (t.First - ma) * (t.Second - mb));
        double corr = cov / Math.Sqrt(a.Sum(v => (v - ma) * (v - ma)) * b.Sum(v => (v - mb) * (v - mb)));
        Assert.Equal(corr, r.OutputCorrelation, 12);
    }

    [Fact]
    public void IdenticalMembersHaveNoDiversityAndTheMemberScores()
    {
        using var scope = NewDisposeScope();
        Tensor one = T.Randn(3, 1, 20, 4);
        Tensor logits = one.expand(3, 20, 4);
        Tensor labels = T.Randn(4, 20).gt(0).to_type(ScalarType.Int64);
        ClassificationMetrics r = EnsembleMetrics.Classification(logits, labels);
        Assert.Equal(0, r.Disagreement);
        Assert.Equal(1, r.OutputCorrelation, 12);
        Assert.Equal(0, r.MutualInformation, 12);
        Assert.Equal(r.MemberNll[0], r.Nll, 12);
        Assert.Equal(r.MemberAccuracy[0], r.Accuracy, 12);
        // Shifting logits per example changes nothing (stable log-sum-exp, even for huge logits).
        ClassificationMetrics shifted = EnsembleMetrics.Classification(logits + 1000, labels);
        Assert.Equal(r.Nll, shifted.Nll, 9);
    }

    [Fact]
    public void EceOfHandMadeBins()
    {
        // Bin (0.6, 0.6667]: two examples, conf 0.65 and 0.62, one correct -> |0.5 - 0.635| * 2/4.
        // Bin (0.9333, 1]: conf 1.0 correct, conf 0.95 wrong -> |0.5 - 0.975| * 2/4.
        double ece = EnsembleMetrics.ExpectedCalibrationError(new[] { 0.65, 0.62, 1.0, 0.95 }, new[] { true, false, true, false });
        Assert.Equal(0.5 * 0.135 + 0.5 * 0.475, ece, 12);
        // A confidence exactly on a bin edge belongs to the lower bin: 0.4 = 6/15 -> bin 5 with 0.35.
        double edge = EnsembleMetrics.ExpectedCalibrationError(new[] { 0.4, 0.35 }, new[] { true, true });
        Assert.Equal(1 - 0.375, edge, 12);
    }

    [Fact]
    public void RegressionMetricsByHand()
    {
        using var scope = NewDisposeScope();
        Tensor f = tensor(new double[] { 1, 2, 3, 3, 2, 1 }, new long[] { 2, 3, 1 });
        Tensor y = tensor(new double[] { 2, 2, 0 }, new long[] { 3, 1 });
        RegressionMetrics r = EnsembleMetrics.Regression(f, y);
        // Mean prediction 2,2,2: errors 0,0,2 -> 4/3. Members: (1+0+9)/3, (1+0+1)/3.
        Assert.Equal(4.0 / 3, r.EnsembleMse, 12);
        Assert.Equal((10.0 / 3 + 2.0 / 3) / 2, r.MeanMemberMse, 12);
        Assert.Equal(-1, r.OutputCorrelation, 12);
    }

    [Fact]
    public void BadShapesFailClearly()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("[M, B, C]", Assert.Throws<ArgumentException>(() => EnsembleMetrics.Classification(zeros(3, 4), zeros(new long[] { 3 }, ScalarType.Int64))).Message);
        Assert.Contains("labels", Assert.Throws<ArgumentException>(() => EnsembleMetrics.Classification(zeros(2, 3, 4), zeros(new long[] { 5 }, ScalarType.Int64))).Message);
        Assert.Contains("targets", Assert.Throws<ArgumentException>(() => EnsembleMetrics.Regression(zeros(2, 3, 1), zeros(3, 2))).Message);
    }
}
