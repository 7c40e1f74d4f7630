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
            return new ClaimResult(Id, Claim, Source, Statistic, RuleText, outcome.Value, Verdict.Inconclusive,
                Join("data missing", outcome.Note));
        }

        var (verdict, why) = Decide(m);
        return new ClaimResult(Id, Claim, Source, Statistic, RuleText, m, verdict, Join(why, outcome.Note));
    }

    protected abstract (Verdict Verdict, string Why) Decide(Measurement m);

    protected static string N(double v) => Measurement.Num(v);

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
            return (Verdict.Inconclusive, "no uncertainty available");
        }

        if (m.Uncertainty > maxSe)
        {
            return (Verdict.Inconclusive, $"SE {N(m.Uncertainty)} > {N(maxSe)}: too uncertain to decide");
        }

        var d = m.Value - target;
        var z = m.Uncertainty > 0 ? d / m.Uncertainty : d == 0 ? 0 : double.PositiveInfinity * Math.Sign(d);
        return Math.Abs(z) <= k ? (Verdict.Holds, $"z = {N(z)}") : (Verdict.DoesNotHold, $"z = {N(z)}");
    }
}

/// <summary>The statistic lies in [lo, hi]: holds if the estimate is inside and its SE is at most
/// <paramref name="maxSe"/>; does not hold if it is more than k SE outside; otherwise inconclusive.</summary>
public sealed class IntervalRule(string id, string claim, string source, string statistic, double lo, double hi, double k, double maxSe,
    Func<ExperimentResults, StatOutcome> compute) : ClaimRule(id, claim, source, statistic, compute)
{
    public override string RuleText =>
        $"Holds if the estimate lies in [{N(lo)}, {N(hi)}] and its SE ≤ {N(maxSe)}; does not hold if it lies more than {N(k)} SE outside that interval; inconclusive otherwise (SE too large, or data missing).";

    protected override (Verdict, string) Decide(Measurement m)
    {
        if (!double.IsFinite(m.Uncertainty))
        {
            return (Verdict.Inconclusive, "no uncertainty available (too few points for a fit)");
        }

        if (m.Value >= lo && m.Value <= hi)
        {
            return m.Uncertainty <= maxSe
                ? (Verdict.Holds, "inside the interval")
                : (Verdict.Inconclusive, $"inside, but SE {N(m.Uncertainty)} > {N(maxSe)}");
        }

        var dist = m.Value < lo ? lo - m.Value : m.Value - hi;
        return dist > k * m.Uncertainty
            ? (Verdict.DoesNotHold, $"{N(dist / Math.Max(m.Uncertainty, double.Epsilon))} SE outside")
            : (Verdict.Inconclusive, "outside, but within the uncertainty");
    }
}

/// <summary>The statistic (a difference or slope oriented so that the claim says it is positive) is
/// greater than 0: z = value/SE &gt; k holds, z &lt; -k does not hold, otherwise inconclusive.</summary>
public sealed class PositiveRule(string id, string claim, string source, string statistic, double k,
    Func<ExperimentResults, StatOutcome> compute) : ClaimRule(id, claim, source, statistic, compute)
{
    public override string RuleText =>
        $"z = value / SE (SEs of a difference combined in quadrature). Holds if z > {N(k)}; does not hold if z < −{N(k)} (the opposite effect); inconclusive if |z| ≤ {N(k)}, the SE is unknown, or data are missing.";

    protected override (Verdict, string) Decide(Measurement m)
    {
        if (!double.IsFinite(m.Uncertainty))
        {
            return (Verdict.Inconclusive, "no uncertainty available");
        }

        var z = m.Uncertainty > 0 ? m.Value / m.Uncertainty : m.Value == 0 ? 0 : double.PositiveInfinity * Math.Sign(m.Value);
        return z > k ? (Verdict.Holds, $"z = {N(z)}")
            : z < -k ? (Verdict.DoesNotHold, $"z = {N(z)}")
            : (Verdict.Inconclusive, $"z = {N(z)}: within the uncertainty");
    }
}
