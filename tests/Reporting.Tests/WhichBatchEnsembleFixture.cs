using System.Globalization;
using EEArtifacts.Reporting.Sections;

namespace EEArtifacts.Reporting.Tests;

/// <summary>E8 rows for the results fixture: five configurations, three repeats, small deterministic noise.</summary>
public static class WhichBatchEnsembleFixture
{
    /// <summary>One configuration's means (every repeat adds noise of 1% of the value).</summary>
    public sealed record Setting(string Name, int Members, double Gain, double Disagreement, double LogitCorrelation, double Nngp, double AurocEntropy, double AurocMi);

    /// <summary>The rows the theory and the preprint predict: every E8 claim holds on them.</summary>
    public static IReadOnlyList<Setting> AsPredicted { get; } =
    [
        new(WhichBatchEnsembleSection.Common, 4, 0.002, 0.02, 0.99, 0.46, 0.70, 0.65),
        new(WhichBatchEnsembleSection.McDropout, 4, 0.05, 0.08, 0.90, 0.30, 0.72, 0.70),
        new(WhichBatchEnsembleSection.IndependentRegime, 4, 0.10, 0.12, 0.70, 0, 0.76, 0.75),
        new(WhichBatchEnsembleSection.IndependentNetworks, 4, 0.10, 0.12, 0.70, 0, 0.76, 0.75),
        new(WhichBatchEnsembleSection.SingleNetwork, 1, 0, 0, 1, double.NaN, 0.70, 0.5),
    ];

    public static void Write(string root, IReadOnlyList<Setting>? settings = null, int repeats = 3)
    {
        var w = new ExperimentWriter(root, "which-batchensemble", string.Join(",", new WhichBatchEnsembleSection().RowColumns));
        var i = 0;
        for (var r = 0; r < repeats; r++)
        {
            foreach (var s in settings ?? AsPredicted)
            {
                // A single network's correlations are exactly 1 and its gain exactly 0.
                double V(double v) => v == 1 && s.Members == 1 ? 1 : v * (1 + 0.01 * Math.Sin(1.7 * i++ + 0.3));
                // configuration, parameterization, members, width, gain, disagreement, correlation, logit corr, KL, weight cosine, NNGP ratio,
                // init logit corr, NTK ratio (NaN under the standard parameterization), AUROC entropy / MI held out, AUROC entropy noise / permuted,
                // ECE in distribution / rotated / noisy.
                var standard = s.Name is WhichBatchEnsembleSection.Common or WhichBatchEnsembleSection.SingleNetwork;
                double[] values =
                [
                    V(s.Gain), V(s.Disagreement), V(s.LogitCorrelation), V(s.LogitCorrelation), V(s.Disagreement), V(1 - s.Disagreement), s.Nngp,
                    V(s.Members == 1 ? 1 : s.Nngp), standard ? double.NaN : s.Nngp, V(s.AurocEntropy), V(s.AurocMi), V(0.8), V(0.75), V(0.05), V(0.2), V(0.1),
                ];
                w.Cell([$"{s.Name},{(standard ? "standard" : "ntk")},{s.Members},64," + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))]);
            }
        }

        w.Finish();
    }
}
