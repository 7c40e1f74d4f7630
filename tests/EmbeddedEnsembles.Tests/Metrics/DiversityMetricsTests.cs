using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Metrics;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Metrics;

public class DiversityMetricsTests
{
    public DiversityMetricsTests() => T.Init();

    // Logits = log p, so softmax gives p back: 2 members, 2 examples, 2 classes.
    private static Tensor TwoMembers() => tensor(new[]
    {
        Math.Log(0.9), Math.Log(0.1), Math.Log(0.5), Math.Log(0.5),
        Math.Log(0.5), Math.Log(0.5), Math.Log(0.5), Math.Log(0.5),
    }, new long[] { 2, 2, 2 });

    private static double H(params double[] p) => -p.Sum(x => x * Math.Log(x));

    [Fact]
    public void EntropyAndMutualInformationByHand()
    {
        using var logits = TwoMembers();
        double[] entropy = DiversityMetrics.PredictiveEntropy(logits);
        double[] mi = DiversityMetrics.MutualInformation(logits);
        // Example 0: mean p = (0.7, 0.3); member entropies H(0.9, 0.1) and H(0.5, 0.5). Example 1: both uniform.
        Assert.Equal(H(0.7, 0.3), entropy[0], 12);
        Assert.Equal(Math.Log(2), entropy[1], 12);
        Assert.Equal(H(0.7, 0.3) - (H(0.9, 0.1) + Math.Log(2)) / 2, mi[0], 12);
        Assert.Equal(0, mi[1], 12);
    }

    [Fact]
    public void PairwiseKlByHandAndZeroForIdenticalMembers()
    {
        using var logits = TwoMembers();
        // Example 0: KL(p0||p1) = 0.9 ln 1.8 + 0.1 ln 0.2, KL(p1||p0) = 0.5 ln(0.5/0.9) + 0.5 ln 5; example 1: 0.
        double kl01 = 0.9 * Math.Log(1.8) + 0.1 * Math.Log(0.2);
        double kl10 = 0.5 * Math.Log(0.5 / 0.9) + 0.5 * Math.Log(5);
        Assert.Equal((kl01 + kl10) / 2 / 2, DiversityMetrics.MeanPairwiseKl(logits), 12);

        using var same = logits[0].unsqueeze(0).expand(3, -1, -1).contiguous();
        Assert.Equal(0, DiversityMetrics.MeanPairwiseKl(same), 12);
        using var one = logits.narrow(0, 0, 1);
        Assert.Equal(0, DiversityMetrics.MeanPairwiseKl(one));
    }

    [Fact]
    public void CosineByHand()
    {
        // Rows (1, 0), (1, 1), (-1, 0): cosines 1/sqrt(2), -1, -1/sqrt(2); mean over the 3 pairs = -1/3.
        using var v = tensor(new double[] { 1, 0, 1, 1, -1, 0 }, new long[] { 3, 2 });
        Assert.Equal(-1.0 / 3, DiversityMetrics.MeanPairwiseCosine(v), 12);
        using var single = tensor(new double[] { 3, 4 }, new long[] { 1, 2 });
        Assert.Equal(1, DiversityMetrics.MeanPairwiseCosine(single));
    }

    [Fact]
    public void AurocCountsOrderedPairsWithTiesAsHalf()
    {
        // Pairs (out, in): 0.9 beats all three; 0.5 beats 0.1, ties 0.5, loses to 0.7: (3 + 1 + 0.5) / 6.
        Assert.Equal(4.5 / 6, DiversityMetrics.Auroc(new[] { 0.1, 0.5, 0.7 }, new[] { 0.9, 0.5 }), 12);
        Assert.Equal(1, DiversityMetrics.Auroc(new[] { 0.0, 0.1 }, new[] { 0.2 }));
        Assert.Equal(0, DiversityMetrics.Auroc(new[] { 0.3 }, new[] { 0.2, 0.1 }));
        Assert.Equal(0.5, DiversityMetrics.Auroc(new[] { 1.0, 1.0 }, new[] { 1.0 }));
        Assert.Throws<ArgumentException>(() => DiversityMetrics.Auroc(Array.Empty<double>(), new[] { 1.0 }));
        Assert.Throws<ArgumentException>(() => DiversityMetrics.Auroc(new[] { double.NaN }, new[] { 1.0 }));
    }
}
