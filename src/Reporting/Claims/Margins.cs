namespace EEArtifacts.Reporting.Claims;

/// <summary>
/// The margins of the equality, "no better than" and smallest-effect rules, stated in advance (before the numbers
/// they decide were computed) and kept in one place.
/// </summary>
public static class Margins
{
    /// <summary>Two mean test accuracies this close count as equal, and an accuracy effect smaller than this counts as
    /// no effect (E4, E5): a 2,000-image test set resolves about 0.01 between two fixed networks (binomial SE 0.008 at
    /// accuracy 0.85).</summary>
    public const double SameAccuracy = 0.01;

    /// <summary>An ensemble gain (mean member test NLL minus ensemble NLL, in nats) at most this counts as a single
    /// network's, whose gain is 0 by definition (E8.1): the NLL change of moving about 1% of the test examples from a
    /// true-class probability of 0.3 to 0.7, the NLL counterpart of <see cref="SameAccuracy"/>.</summary>
    public const double NegligibleNllGain = 0.01;

    /// <summary>An out-of-distribution AUROC at most this much above a single network's counts as no better (E8.2).</summary>
    public const double SameAuroc = 0.02;
}
