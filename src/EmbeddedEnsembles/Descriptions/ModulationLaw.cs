using EmbeddedEnsembles.Runtime;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Descriptions;

/// <summary>
/// The law of a modulation weight (u or v), with its exact moments for the theory (THEORY.md section 2)
/// and reproducible sampling from a given generator. Moments are of the random variable X itself:
/// as u they give U1 = <see cref="Mean"/>, U2 = <see cref="SecondMoment"/>; as v they give
/// V2 = <see cref="SecondMoment"/>, Vp = <see cref="PositiveMean"/>, Vm = <see cref="NegativeMean"/>,
/// Pnz = <see cref="NonzeroProbability"/>.
/// </summary>
public abstract partial record ModulationLaw
{
    /// <summary>E X (U1 when used for u).</summary>
    public abstract double Mean { get; }
    /// <summary>E X^2 (U2 for u, V2 for v).</summary>
    public abstract double SecondMoment { get; }
    /// <summary>E max(X, 0) (Vp).</summary>
    public abstract double PositiveMean { get; }
    /// <summary>E max(-X, 0) (Vm).</summary>
    public double NegativeMean => PositiveMean - Mean;
    /// <summary>P(X != 0) (Pnz).</summary>
    public abstract double NonzeroProbability { get; }
    /// <summary>Whether the law can be trained meaningfully (Bernoulli masks are fixed, not trained).</summary>
    public virtual bool IsTrainable => true;

    /// <summary>Draws a float64 tensor of the given shape from this law using only <paramref name="generator"/>.</summary>
    public abstract Tensor Sample(long[] shape, Generator generator);

    /// <summary>The canonical text form, e.g. "sign(1)", "gauss(1,0.5)"; <see cref="Parse"/> reads it back.</summary>
    public abstract override string ToString();

    /// <summary>Parses "sign(c)", "const(c)", "gauss(mu,s)" or "bernoulli(p)".</summary>
    public static ModulationLaw Parse(string text)
    {
        string t = text.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        int open = t.IndexOf('(');
        if (open <= 0 || !t.EndsWith(')'))
        {
            throw new ArgumentException($"modulation law '{text}': expected name(arguments), e.g. sign(1), const(1), gauss(1,0.5), bernoulli(0.5)");
        }
        string name = t[..open];
        double[] args = t[(open + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                ? v : throw new ArgumentException($"modulation law '{text}': '{a}' is not a number"))
            .ToArray();
        return (name, args.Length) switch
        {
            ("sign", 1) => new SignLaw(args[0]),
            ("const", 1) => new ConstLaw(args[0]),
            ("gauss", 2) => new GaussLaw(args[0], args[1]),
            ("bernoulli", 1) => new BernoulliLaw(args[0]),
            _ => throw new ArgumentException($"modulation law '{text}': unknown law or wrong number of arguments (sign(c), const(c), gauss(mu,s), bernoulli(p))"),
        };
    }

    private protected static string Num(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>+c or -c with equal probability: mean 0, the independent regime.</summary>
public sealed partial record SignLaw : ModulationLaw
{
    /// <summary>Creates the law; <paramref name="c"/> must be positive.</summary>
    public SignLaw(double c)
    {
        if (!(c > 0) || double.IsInfinity(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "sign(c) needs a finite c > 0");
        C = c;
    }
    /// <summary>The magnitude.</summary>
    public double C { get; }
    /// <inheritdoc />
    public override double Mean => 0;
    /// <inheritdoc />
    public override double SecondMoment => C * C;
    /// <inheritdoc />
    public override double PositiveMean => C / 2;
    /// <inheritdoc />
    public override double NonzeroProbability => 1;
    /// <inheritdoc />
    public override Tensor Sample(long[] shape, Generator generator)
    {
        using var scope = NewDisposeScope();
        Tensor bits = randint(0, 2, shape, dtype: ScalarType.Float64, generator: generator);
        return bits.MulBy(2).Minus(1).MulBy(C).MoveToOuterDisposeScope();
    }
    /// <inheritdoc />
    public override string ToString() => $"sign({Num(C)})";
}

/// <summary>Always c: identical members when used for both u and v with c = 1.</summary>
public sealed partial record ConstLaw : ModulationLaw
{
    /// <summary>Creates the law.</summary>
    public ConstLaw(double c)
    {
        if (!double.IsFinite(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "const(c) needs a finite c");
        C = c;
    }
    /// <summary>The value.</summary>
    public double C { get; }
    /// <inheritdoc />
    public override double Mean => C;
    /// <inheritdoc />
    public override double SecondMoment => C * C;
    /// <inheritdoc />
    public override double PositiveMean => Math.Max(C, 0);
    /// <inheritdoc />
    public override double NonzeroProbability => C != 0 ? 1 : 0;
    /// <inheritdoc />
    public override Tensor Sample(long[] shape, Generator generator)
    {
        using Scalar c = C.ToScalar();
        return full(shape, c, dtype: ScalarType.Float64);
    }
    /// <inheritdoc />
    public override string ToString() => $"const({Num(C)})";
}

/// <summary>Normal(mu, s^2); gauss(1, 0.5) is BatchEnsemble's common default (collective: mean 1).</summary>
public sealed partial record GaussLaw : ModulationLaw
{
    /// <summary>Creates the law; <paramref name="s"/> must be positive.</summary>
    public GaussLaw(double mu, double s)
    {
        if (!double.IsFinite(mu)) throw new ArgumentOutOfRangeException(nameof(mu), mu, "gauss(mu,s) needs a finite mu");
        if (!(s > 0) || double.IsInfinity(s)) throw new ArgumentOutOfRangeException(nameof(s), s, "gauss(mu,s) needs a finite s > 0");
        Mu = mu;
        S = s;
    }
    /// <summary>The mean.</summary>
    public double Mu { get; }
    /// <summary>The standard deviation.</summary>
    public double S { get; }
    /// <inheritdoc />
    public override double Mean => Mu;
    /// <inheritdoc />
    public override double SecondMoment => Mu * Mu + S * S;
    /// <inheritdoc />
    public override double PositiveMean => Mu * NormalCdf(Mu / S) + S * Math.Exp(-0.5 * (Mu / S) * (Mu / S)) / Math.Sqrt(2 * Math.PI);
    /// <inheritdoc />
    public override double NonzeroProbability => 1;
    /// <inheritdoc />
    public override Tensor Sample(long[] shape, Generator generator)
    {
        using var scope = NewDisposeScope();
        return randn(shape, dtype: ScalarType.Float64, generator: generator).MulBy(S).Plus(Mu).MoveToOuterDisposeScope();
    }
    /// <inheritdoc />
    public override string ToString() => $"gauss({Num(Mu)},{Num(S)})";

    /// <summary>The standard normal CDF, via erfc (accurate in both tails).</summary>
    public static double NormalCdf(double x) => 0.5 * SpecialFunctions.Erfc(-x / Math.Sqrt(2));
}

/// <summary>Bernoulli(p)/p: MC-dropout masks with mean 1. Fixed per member, never trained.</summary>
public sealed partial record BernoulliLaw : ModulationLaw
{
    /// <summary>Creates the law; <paramref name="p"/> (keep probability) must lie in (0, 1].</summary>
    public BernoulliLaw(double p)
    {
        if (!(p > 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "bernoulli(p) needs p in (0, 1]");
        P = p;
    }
    /// <summary>The keep probability.</summary>
    public double P { get; }
    /// <inheritdoc />
    public override double Mean => 1;
    /// <inheritdoc />
    public override double SecondMoment => 1 / P;
    /// <inheritdoc />
    public override double PositiveMean => 1;
    /// <inheritdoc />
    public override double NonzeroProbability => P;
    /// <inheritdoc />
    public override bool IsTrainable => false;
    /// <inheritdoc />
    public override Tensor Sample(long[] shape, Generator generator)
    {
        using var scope = NewDisposeScope();
        using Scalar p = P.ToScalar();
        Tensor keep = rand(shape, dtype: ScalarType.Float64, generator: generator).lt(p).to_type(ScalarType.Float64);
        return keep.DivBy(P).MoveToOuterDisposeScope();
    }
    /// <inheritdoc />
    public override string ToString() => $"bernoulli({Num(P)})";
}
