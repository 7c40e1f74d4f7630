using EmbeddedEnsembles.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Metrics;

/// <summary>Classification quality and diversity of an ensemble (all plain doubles).</summary>
/// <param name="Accuracy">Accuracy of the ensemble prediction (argmax of the mean member probability).</param>
/// <param name="Nll">Negative log-likelihood of the mean probability, -mean_i log((1/M) sum_a p_a(y_i|x_i)), via log-sum-exp.</param>
/// <param name="Brier">Multi-class Brier score of the mean probability: mean_i sum_c (p_c - 1[c = y_i])^2.</param>
/// <param name="Ece">Expected calibration error of the mean probability, 15 equal-width confidence bins (lower, upper].</param>
/// <param name="MemberAccuracy">Accuracy of each member.</param>
/// <param name="MemberNll">NLL of each member.</param>
/// <param name="MeanMemberAccuracy">Mean of <paramref name="MemberAccuracy"/>.</param>
/// <param name="MeanMemberNll">Mean of <paramref name="MemberNll"/>.</param>
/// <param name="Disagreement">Mean over member pairs of the fraction of examples on which their argmax differs (0 for M = 1).</param>
/// <param name="OutputCorrelation">Mean over member pairs of the Pearson correlation of their probability vectors, flattened over examples and classes (1 for M = 1).</param>
/// <param name="MutualInformation">Mean over examples of H(mean p) - mean_a H(p_a), in nats.</param>
public sealed record ClassificationMetrics(
    double Accuracy, double Nll, double Brier, double Ece,
    double[] MemberAccuracy, double[] MemberNll, double MeanMemberAccuracy, double MeanMemberNll,
    double Disagreement, double OutputCorrelation, double MutualInformation);

/// <summary>Regression quality and diversity of an ensemble.</summary>
/// <param name="EnsembleMse">mean over examples and outputs of (mean_a f_a - y)^2.</param>
/// <param name="MeanMemberMse">mean over members of each member's MSE (same normalisation).</param>
/// <param name="OutputCorrelation">Mean over member pairs of the Pearson correlation of their outputs (1 for M = 1).</param>
public sealed record RegressionMetrics(double EnsembleMse, double MeanMemberMse, double OutputCorrelation);

/// <summary>
/// Ensemble metrics computed in float64 on the CPU from member outputs [M, B, ...]. The ensemble prediction is the
/// mean of member probabilities (classification) or outputs (regression).
/// </summary>
public static class EnsembleMetrics
{
    /// <summary>Number of confidence bins of <see cref="ClassificationMetrics.Ece"/>.</summary>
    public const int EceBins = 15;

    /// <summary>Classification metrics from member logits [M, B, C] and labels [B].</summary>
    public static ClassificationMetrics Classification(Tensor memberLogits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(memberLogits);
        ArgumentNullException.ThrowIfNull(labels);
        if (memberLogits.dim() != 3) throw new ArgumentException($"member logits must be [M, B, C], got [{string.Join(", ", memberLogits.shape)}]");
        int m = (int)memberLogits.shape[0], b = (int)memberLogits.shape[1], c = (int)memberLogits.shape[2];
        if (labels.dim() != 1 || labels.shape[0] != b) throw new ArgumentException($"labels must be [{b}], got [{string.Join(", ", labels.shape)}]");
        if (b == 0) throw new ArgumentException("metrics need at least one example");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logits = memberLogits.detach().cpu().to_type(ScalarType.Float64);
        long[] y = labels.detach().cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        if (y.Any(v => v < 0 || v >= c)) throw new ArgumentException($"labels must lie in [0, {c})");
        Tensor logp = logits.log_softmax(-1);                       // [M, B, C]
        Tensor ensLogp = logp.logsumexp(0).Minus(Math.Log(m));           // [B, C]
        double[] lp = logp.contiguous().data<double>().ToArray();
        double[] elp = ensLogp.contiguous().data<double>().ToArray();

        // Ensemble accuracy, NLL, Brier, ECE.
        var confidence = new double[b];
        var correct = new bool[b];
        double nll = 0, brier = 0;
        int hits = 0;
        for (int i = 0; i < b; i++)
        {
            int arg = ArgMax(elp, i * c, c);
            correct[i] = arg == y[i];
            if (correct[i]) hits++;
            confidence[i] = Math.Exp(elp[i * c + arg]);
            nll -= elp[i * c + y[i]];
            for (int k = 0; k < c; k++)
            {
                double d = Math.Exp(elp[i * c + k]) - (k == y[i] ? 1 : 0);
                brier += d * d;
            }
        }

        // Members.
        var memberAcc = new double[m];
        var memberNll = new double[m];
        var memberArg = new int[m, b];
        for (int a = 0; a < m; a++)
        {
            int h = 0;
            double s = 0;
            for (int i = 0; i < b; i++)
            {
                int off = (a * b + i) * c;
                int arg = ArgMax(lp, off, c);
                memberArg[a, i] = arg;
                if (arg == y[i]) h++;
                s -= lp[off + y[i]];
            }
            memberAcc[a] = (double)h / b;
            memberNll[a] = s / b;
        }

        // Diversity.
        double disagreement = 0;
        int pairs = 0;
        for (int a = 0; a < m; a++)
        {
            for (int a2 = a + 1; a2 < m; a2++)
            {
                int diff = 0;
                for (int i = 0; i < b; i++) if (memberArg[a, i] != memberArg[a2, i]) diff++;
                disagreement += (double)diff / b;
                pairs++;
            }
        }
        disagreement = pairs > 0 ? disagreement / pairs : 0;
        double[] probs = lp.Select(Math.Exp).ToArray();
        double correlation = MeanPairwiseCorrelation(probs, m, b * c);

        double mi = 0;
        for (int i = 0; i < b; i++)
        {
            double hMean = 0, hMembers = 0;
            for (int k = 0; k < c; k++)
            {
                double l = elp[i * c + k];
                hMean -= Math.Exp(l) * l;
                for (int a = 0; a < m; a++)
                {
                    double la = lp[(a * b + i) * c + k];
                    hMembers -= Math.Exp(la) * la / m;
                }
            }
            mi += hMean - hMembers;
        }

        return new ClassificationMetrics(
            Accuracy: (double)hits / b,
            Nll: nll / b,
            Brier: brier / b,
            Ece: ExpectedCalibrationError(confidence, correct, EceBins),
            MemberAccuracy: memberAcc,
            MemberNll: memberNll,
            MeanMemberAccuracy: memberAcc.Average(),
            MeanMemberNll: memberNll.Average(),
            Disagreement: disagreement,
            OutputCorrelation: correlation,
            MutualInformation: Math.Max(mi / b, 0));
    }

    /// <summary>Regression metrics from member outputs [M, B, D] and targets [B, D].</summary>
    public static RegressionMetrics Regression(Tensor memberOutputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(memberOutputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (memberOutputs.dim() != 3) throw new ArgumentException($"member outputs must be [M, B, D], got [{string.Join(", ", memberOutputs.shape)}]");
        int m = (int)memberOutputs.shape[0], b = (int)memberOutputs.shape[1], d = (int)memberOutputs.shape[2];
        if (targets.dim() != 2 || targets.shape[0] != b || targets.shape[1] != d)
        {
            throw new ArgumentException($"targets must be [{b}, {d}], got [{string.Join(", ", targets.shape)}]");
        }
        if (b == 0) throw new ArgumentException("metrics need at least one example");
        using var scope = NewDisposeScope();
        double[] f = memberOutputs.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        double[] t = targets.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        int n = b * d;
        double ens = 0, members = 0;
        for (int j = 0; j < n; j++)
        {
            double mean = 0;
            for (int a = 0; a < m; a++)
            {
                double e = f[a * n + j] - t[j];
                members += e * e;
                mean += f[a * n + j];
            }
            double de = mean / m - t[j];
            ens += de * de;
        }
        return new RegressionMetrics(ens / n, members / ((double)n * m), MeanPairwiseCorrelation(f, m, n));
    }

    /// <summary>
    /// ECE = sum_k |B_k|/n * |acc(B_k) - conf(B_k)| over <paramref name="bins"/> equal-width bins; a confidence
    /// falls in bin k when k/bins &lt; conf &lt;= (k+1)/bins (confidence 0 goes to the first bin).
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<double> confidence, IReadOnlyList<bool> correct, int bins = EceBins)
    {
        ArgumentNullException.ThrowIfNull(confidence);
        ArgumentNullException.ThrowIfNull(correct);
        if (confidence.Count != correct.Count) throw new ArgumentException("confidence and correctness must have the same length");
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "need at least one bin");
        var count = new int[bins];
        var conf = new double[bins];
        var acc = new double[bins];
        for (int i = 0; i < confidence.Count; i++)
        {
            int k = Math.Clamp((int)Math.Ceiling(confidence[i] * bins) - 1, 0, bins - 1);
            count[k]++;
            conf[k] += confidence[i];
            acc[k] += correct[i] ? 1 : 0;
        }
        double ece = 0;
        for (int k = 0; k < bins; k++)
        {
            if (count[k] > 0)
            {
                ece += Math.Abs(acc[k] - conf[k]) / confidence.Count;
            }
        }
        return ece;
    }

    private static int ArgMax(double[] values, int offset, int length)
    {
        int best = 0;
        for (int k = 1; k < length; k++) if (values[offset + k] > values[offset + best]) best = k;
        return best;
    }

    // Mean Pearson correlation over pairs of members of their flattened outputs (member a: values[a*n .. a*n+n)).
    private static double MeanPairwiseCorrelation(double[] values, int m, int n)
    {
        if (m < 2) return 1;
        var centered = new double[m * n];
        var norm = new double[m];
        for (int a = 0; a < m; a++)
        {
            double mean = 0;
            for (int j = 0; j < n; j++) mean += values[a * n + j];
            mean /= n;
            double ss = 0;
            for (int j = 0; j < n; j++)
            {
                double v = values[a * n + j] - mean;
                centered[a * n + j] = v;
                ss += v * v;
            }
            norm[a] = Math.Sqrt(ss);
        }
        double sum = 0;
        int pairs = 0;
        for (int a = 0; a < m; a++)
        {
            for (int a2 = a + 1; a2 < m; a2++)
            {
                double dot = 0;
                for (int j = 0; j < n; j++) dot += centered[a * n + j] * centered[a2 * n + j];
                sum += dot / (norm[a] * norm[a2]);
                pairs++;
            }
        }
        return sum / pairs;
    }
}
