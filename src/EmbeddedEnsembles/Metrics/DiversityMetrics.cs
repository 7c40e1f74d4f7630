using EmbeddedEnsembles.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Metrics;

/// <summary>
/// Per-example uncertainty scores, out-of-distribution detection and member diversity in function and parameter
/// space, in float64 on the CPU. Member outputs are logits [M, B, C]; the ensemble prediction is the mean member
/// probability, as in <see cref="EnsembleMetrics"/>.
/// </summary>
public static class DiversityMetrics
{
    /// <summary>Predictive entropy H(mean_a p_a(.|x_i)) per example, in nats: [B] values.</summary>
    public static double[] PredictiveEntropy(Tensor memberLogits)
    {
        using var scope = NewDisposeScope();
        Tensor logp = LogProbabilities(memberLogits);
        Tensor ensLogp = logp.logsumexp(0).Minus(Math.Log(logp.shape[0]));
        return Values(ensLogp.exp().mul(ensLogp).sum([1]).neg());
    }

    /// <summary>
    /// Mutual information between the prediction and the member per example, H(mean_a p_a) - mean_a H(p_a), in nats
    /// (clipped at 0 against rounding): [B] values; all 0 for M = 1.
    /// </summary>
    public static double[] MutualInformation(Tensor memberLogits)
    {
        using var scope = NewDisposeScope();
        Tensor logp = LogProbabilities(memberLogits);
        Tensor ensLogp = logp.logsumexp(0).Minus(Math.Log(logp.shape[0]));
        Tensor total = ensLogp.exp().mul(ensLogp).sum([1]).neg();
        Tensor members = logp.exp().mul(logp).sum([2]).neg().mean([0]);
        using Scalar zero = 0.ToScalar();
        return Values(total.sub(members).clamp_min(zero));
    }

    /// <summary>
    /// Mean over ordered member pairs (a != b) and examples of KL(p_a || p_b), in nats; 0 for M = 1.
    /// </summary>
    public static double MeanPairwiseKl(Tensor memberLogits)
    {
        using var scope = NewDisposeScope();
        Tensor logp = LogProbabilities(memberLogits);
        long m = logp.shape[0];
        if (m < 2) return 0;
        // sum_{a,b} KL(p_a||p_b) = sum_a sum_b sum_c p_a (log p_a - log p_b) = M sum_a E_a[log p_a] - sum_a sum_c p_a sum_b log p_b.
        Tensor p = logp.exp();
        using Scalar members = m.ToScalar();
        Tensor selfTerm = p.mul(logp).sum([0, 2]).mul(members);           // [B]
        Tensor crossTerm = p.sum([0]).mul(logp.sum([0])).sum([1]);        // [B]
        return selfTerm.sub(crossTerm).mean().item<double>() / (m * (m - 1));
    }

    /// <summary>
    /// Mean over member pairs of the cosine similarity of their rows of <paramref name="memberVectors"/> [M, P]
    /// (e.g. effective weights); 1 for M = 1.
    /// </summary>
    public static double MeanPairwiseCosine(Tensor memberVectors)
    {
        ArgumentNullException.ThrowIfNull(memberVectors);
        if (memberVectors.dim() != 2) throw new ArgumentException($"member vectors must be [M, P], got [{string.Join(", ", memberVectors.shape)}]");
        using var scope = NewDisposeScope();
        Tensor v = memberVectors.detach().cpu().to_type(ScalarType.Float64);
        long m = v.shape[0];
        if (m < 2) return 1;
        Tensor unit = v.div(v.norm(1, keepdim: true));
        Tensor gram = unit.matmul(unit.t());
        // Off-diagonal mean: (sum of all entries - trace) / (M (M - 1)).
        return (gram.sum().item<double>() - gram.trace().item<double>()) / (m * (m - 1));
    }

    /// <summary>
    /// Area under the ROC curve for telling out-of-distribution examples (positives) from in-distribution ones by a
    /// score that should be higher out of distribution: P(score_out &gt; score_in) + P(score_out = score_in)/2, from
    /// the rank sum (Mann-Whitney U) with tied scores sharing their mean rank.
    /// </summary>
    public static double Auroc(IReadOnlyList<double> inScores, IReadOnlyList<double> outScores)
    {
        ArgumentNullException.ThrowIfNull(inScores);
        ArgumentNullException.ThrowIfNull(outScores);
        if (inScores.Count == 0 || outScores.Count == 0) throw new ArgumentException("AUROC needs at least one in- and one out-of-distribution score");
        if (inScores.Concat(outScores).Any(s => !double.IsFinite(s))) throw new ArgumentException("AUROC scores must be finite");
        var all = inScores.Select(s => (Score: s, Out: false)).Concat(outScores.Select(s => (Score: s, Out: true)))
            .OrderBy(p => p.Score).ToArray();
        double outRankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].Score == all[i].Score) j++;
            double meanRank = (i + 1 + j) / 2.0; // ranks i+1..j
            for (int k = i; k < j; k++)
            {
                if (all[k].Out) outRankSum += meanRank;
            }
            i = j;
        }
        double nOut = outScores.Count, nIn = inScores.Count;
        return (outRankSum - nOut * (nOut + 1) / 2) / (nOut * nIn);
    }

    private static Tensor LogProbabilities(Tensor memberLogits)
    {
        ArgumentNullException.ThrowIfNull(memberLogits);
        if (memberLogits.dim() != 3) throw new ArgumentException($"member logits must be [M, B, C], got [{string.Join(", ", memberLogits.shape)}]");
        return memberLogits.detach().cpu().to_type(ScalarType.Float64).log_softmax(-1);
    }

    private static double[] Values(Tensor t) => t.contiguous().data<double>().ToArray();
}
