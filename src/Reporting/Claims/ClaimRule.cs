using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Stats;

namespace EEArtifacts.Reporting.Claims;

public enum Verdict
{
    Holds,
    DoesNotHold,
    Inconclusive,
}

public static class VerdictText
{
    public static string Text(this Verdict v) => v switch
    {
        Verdict.Holds => "holds",
        Verdict.DoesNotHold => "does not hold",
        _ => "inconclusive",
    };
}

/// <summary>The evaluated row of the claims table.</summary>
public sealed record ClaimResult(
    string Id,
    string Claim,
    string Source,
    string Statistic,
    string Rule,
    Measurement? Value,
    Verdict Verdict,
    string Note)
{
    public string ValueText => Value is { } m ? Measurement.Format(m) : "n/a";
}

/// <summary>A statistic computed from results, or the reason it could not be.</summary>
public readonly record struct StatOutcome(Measurement? Value, string Note)
{
    public static StatOutcome Of(Measurement m, string note = "") => new(m, note);

    public static StatOutcome Missing(string reason) => new(null, reason);
}

/// <summary>A claim of the paper and the rule that decides it from results. No verdict is ever typed in:
/// the statistic is computed from the rows and the rule maps it to holds / does not hold / inconclusive.</summary>
public abstract class ClaimRule(string id, string claim, string source, string statistic, Func<ExperimentResults, StatOutcome> compute)
{
    public string Id { get; } = id;

    public string Claim { get; } = claim;

    /// <summary>The theorem, section or figure of the paper the claim comes from.</summary>
    public string Source { get; } = source;

    /// <summary>What is measured, in words.</summary>
    public string Statistic { get; } = statistic;

    /// <summary>The decision rule in words, printed in the report.</summary>
    public abstract string RuleText { get; }

    /// <summary>What changed when the statistic or rule was redesigned on principle, before it was evaluated on any results
    /// (printed with the rule; empty if never redesigned).</summary>
    public string Redesign { get; init; } = "";

    private string PrintedRule => Redesign.Length == 0 ? RuleText : $"{RuleText} Redesigned on principle, decided before the new rule was evaluated on any results: {Redesign}.";

    public ClaimResult Evaluate(ExperimentResults results)
    {
        StatOutcome outcome;
        if (!results.HasRows)
        {
            outcome = StatOutcome.Missing($"no rows for {results.Name}");
        }
        else
        {
            try
            {
                outcome = compute(results);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or KeyNotFoundException)
            {
                outcome = StatOutcome.Missing("could not compute: " + e.Message);
            }
        }

        if (outcome.Value is not { } m || !double.IsFinite(m.Value))
        {
            return new ClaimResult(Id, Claim, Source, Statistic, PrintedRule, outcome.Value, Verdict.Inconclusive,
                Join("data missing", outcome.Note));
        }

        var (verdict, why) = Decide(m);
        return new ClaimResult(Id, Claim, Source, Statistic, PrintedRule, m, verdict, Join(why, outcome.Note));
    }

    protected abstract (Verdict Verdict, string Why) Decide(Measurement m);

    protected static string N(double v) => Measurement.Num(v);

    /// <summary>
    /// Why an inconclusive verdict stays open and how much data would close it: the estimate would resolve once its
    /// SE is at most <paramref name="seNeeded"/>; an SE falls like 1/sqrt(n), so at the observed value and spread that
    /// takes n ≥ N (SE / seNeeded)². Computed from the measurement, never typed.
    /// </summary>
    protected static string NeedsMore(Measurement m, double seNeeded, string why)
    {
        if (!(seNeeded > 0))
        {
            return $"{why}; the estimate sits on the rule's threshold, so no number of repeats resolves it at this value";
        }

        var n = Math.Max(m.N, 1);
        var needed = (long)Math.Ceiling(n * Math.Pow(m.Uncertainty / seNeeded, 2));
        return $"{why}; at the observed value and spread it resolves with SE ≤ {N(seNeeded)}, i.e. n ≥ {Math.Max(needed, n + 1)} (now n = {n}; SE ∝ 1/√n)";
    }

    /// <summary>Why a statistic without an SE is inconclusive, and what would give it one.</summary>
    protected const string NoUncertainty = "no uncertainty available: a spread needs at least two repeats, a fit three points";

    /// <summary>z = value / SE, with the signed infinity of an exact nonzero value.</summary>
    protected static double Z(double value, double se) => se > 0 ? value / se : value == 0 ? 0 : double.PositiveInfinity * Math.Sign(value);

    private static string Join(string a, string b) => string.IsNullOrEmpty(b) ? a : string.IsNullOrEmpty(a) ? b : a + "; " + b;
}

/// <summary>The statistic equals a target: |value - target| &lt;= k SE holds, &gt; k SE does not hold;
/// inconclusive when the SE is unknown or larger than <paramref name="maxSe"/> (too weak to decide).</summary>
public sealed class EqualsRule(string id, string claim, string source, string statistic, double target, double k, double maxSe,
    Func<ExperimentResults, StatOutcome> compute) : ClaimRule(id, claim, source, statistic, compute)
{
    public override string RuleText =>
        $"z = (value − {N(target)}) / SE. Holds if |z| ≤ {N(k)}; does not hold if |z| > {N(k)}; inconclusive if the SE is unknown, exceeds {N(maxSe)}, or data are missing.";

    protected override (Verdict, string) Decide(Measurement m)
    {
        if (!double.IsFinite(m.Uncertainty))
        {
            return (Verdict.Inconclusive, NoUncertainty);
        }

        if (m.Uncertainty > maxSe)
        {
            return (Verdict.Inconclusive, NeedsMore(m, maxSe, $"SE {N(m.Uncertainty)} > {N(maxSe)}: too uncertain to decide"));
        }

        var z = Z(m.Value - target, m.Uncertainty);
        return Math.Abs(z) <= k ? (Verdict.Holds, $"z = {N(z)}") : (Verdict.DoesNotHold, $"z = {N(z)}");
    }
}

/// <summary>
/// The statistic lies in [lo, hi], decided like two one-sided tests (TOST): with the interval value ± k SE, holds if
/// it lies inside [lo, hi], does not hold if it lies wholly outside, inconclusive if it straddles an end. An equality
/// claim gives [−margin, margin] with the margin stated in advance.
/// </summary>
public sealed class IntervalRule(string id, string claim, string source, string statistic, double lo, double hi, double k,
    Func<ExperimentResults, StatOutcome> compute) : ClaimRule(id, claim, source, statistic, compute)
{
    public override string RuleText =>
        $"With the interval value ± {N(k)} SE: holds if it lies inside [{N(lo)}, {N(hi)}]; does not hold if it lies wholly outside; inconclusive if it straddles an end of [{N(lo)}, {N(hi)}], if the SE is unknown, or if data are missing.";

    protected override (Verdict, string) Decide(Measurement m)
    {
        if (!double.IsFinite(m.Uncertainty))
        {
            return (Verdict.Inconclusive, NoUncertainty);
        }

        var (a, b) = (m.Value - k * m.Uncertainty, m.Value + k * m.Uncertainty);
        var interval = $"interval [{N(a)}, {N(b)}]";
        if (a >= lo && b <= hi)
        {
            return (Verdict.Holds, $"{interval} inside [{N(lo)}, {N(hi)}]");
        }

        if (b < lo || a > hi)
        {
            return (Verdict.DoesNotHold, $"{interval} wholly outside [{N(lo)}, {N(hi)}]");
        }

        // To resolve, the interval must shrink until it clears the nearer end: inside when the estimate is inside, outside otherwise.
        var inside = m.Value >= lo && m.Value <= hi;
        var clearance = inside ? Math.Min(m.Value - lo, hi - m.Value) : m.Value < lo ? lo - m.Value : m.Value - hi;
        return (Verdict.Inconclusive, NeedsMore(m, clearance / k, $"{interval} straddles an end of [{N(lo)}, {N(hi)}]"));
    }
}

/// <summary>
/// The statistic (a difference or slope oriented so that the claim says it is positive) is greater than 0: holds if
/// value − k SE &gt; 0. Does not hold if value + k SE &lt; <paramref name="negligible"/>, the smallest effect the claim
/// means, stated in advance (0: only the opposite effect refutes the claim; above 0: an effect shown to be smaller than
/// that counts as no effect). Inconclusive otherwise.
/// </summary>
public sealed class PositiveRule(string id, string claim, string source, string statistic, double k,
    Func<ExperimentResults, StatOutcome> compute, double negligible = 0) : ClaimRule(id, claim, source, statistic, compute)
{
    public override string RuleText => negligible == 0
        ? $"z = value / SE (SEs of a difference combined in quadrature). Holds if z > {N(k)}; does not hold if z < −{N(k)} (the opposite effect); inconclusive if |z| ≤ {N(k)}, the SE is unknown, or data are missing."
        : $"z = value / SE (SEs of a difference combined in quadrature). Holds if z > {N(k)}; otherwise does not hold if value + {N(k)} SE < {N(negligible)} (any effect is smaller than {N(negligible)}, the smallest the claim means, stated in advance); inconclusive otherwise, if the SE is unknown, or if data are missing.";

    protected override (Verdict, string) Decide(Measurement m)
    {
        if (!double.IsFinite(m.Uncertainty))
        {
            return (Verdict.Inconclusive, NoUncertainty);
        }

        var z = Z(m.Value, m.Uncertainty);
        if (z > k)
        {
            return (Verdict.Holds, $"z = {N(z)}");
        }

        var upper = m.Value + k * m.Uncertainty;
        if (upper < negligible)
        {
            return (Verdict.DoesNotHold, negligible == 0 ? $"z = {N(z)}" : $"z = {N(z)}; value + {N(k)} SE = {N(upper)} < {N(negligible)}");
        }

        // Either side resolves it: the lower end above 0, or the upper end below the negligible effect.
        var seNeeded = Math.Max(m.Value, negligible - m.Value) / k;
        return (Verdict.Inconclusive, NeedsMore(m, seNeeded, negligible == 0
            ? $"z = {N(z)}: within the uncertainty"
            : $"z = {N(z)} and value + {N(k)} SE = {N(upper)} ≥ {N(negligible)}: within the uncertainty"));
    }
}

/// <summary>
/// The statistic lies on the claimed side of a bound stated in advance (a non-inferiority or "no better than" margin):
/// for "at most", holds if value + k SE ≤ bound (the upper end of its interval is below), does not hold if
/// value − k SE &gt; bound (clearly above), inconclusive in between; mirrored for "at least".
/// </summary>
public sealed class BoundRule(string id, string claim, string source, string statistic, double bound, bool atMost, double k,
    Func<ExperimentResults, StatOutcome> compute) : ClaimRule(id, claim, source, statistic, compute)
{
    public override string RuleText => atMost
        ? $"Holds if value + {N(k)} SE ≤ {N(bound)}; does not hold if value − {N(k)} SE > {N(bound)}; inconclusive otherwise (the interval contains {N(bound)}), or if the SE is unknown or data are missing."
        : $"Holds if value − {N(k)} SE ≥ {N(bound)}; does not hold if value + {N(k)} SE < {N(bound)}; inconclusive otherwise (the interval contains {N(bound)}), or if the SE is unknown or data are missing.";

    protected override (Verdict, string) Decide(Measurement m)
    {
        if (!double.IsFinite(m.Uncertainty))
        {
            return (Verdict.Inconclusive, NoUncertainty);
        }

        var (lo, hi) = (m.Value - k * m.Uncertainty, m.Value + k * m.Uncertainty);
        var interval = $"interval [{N(lo)}, {N(hi)}]";
        var claimed = atMost ? hi <= bound : lo >= bound;
        var opposite = atMost ? lo > bound : hi < bound;
        return claimed ? (Verdict.Holds, $"{interval} on the claimed side of {N(bound)}")
            : opposite ? (Verdict.DoesNotHold, $"{interval} on the wrong side of {N(bound)}")
            : (Verdict.Inconclusive, NeedsMore(m, Math.Abs(m.Value - bound) / k, $"{interval} contains {N(bound)}"));
    }
}
