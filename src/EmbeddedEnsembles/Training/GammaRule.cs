using System.Globalization;
using EmbeddedEnsembles.Descriptions;

namespace EmbeddedEnsembles.Training;

/// <summary>
/// The factor gamma(M) in the shared-weight learning rate mu_w * gamma(M) / M: 1 (collective regime), M
/// (independent regime: each member effectively at mu_w), sqrt(M), or a fixed number.
/// </summary>
public sealed record GammaRule
{
    private enum Kind { One, M, SqrtM, Constant }

    private readonly Kind _kind;
    private readonly double _constant;

    private GammaRule(Kind kind, double constant)
    {
        _kind = kind;
        _constant = constant;
    }

    /// <summary>gamma(M) = 1.</summary>
    public static GammaRule One { get; } = new(Kind.One, 1);
    /// <summary>gamma(M) = M.</summary>
    public static GammaRule M { get; } = new(Kind.M, 0);
    /// <summary>gamma(M) = sqrt(M).</summary>
    public static GammaRule SqrtM { get; } = new(Kind.SqrtM, 0);

    /// <summary>gamma(M) = <paramref name="value"/> for every M (finite, positive).</summary>
    public static GammaRule Constant(double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "gamma must be a finite positive number");
        }
        return value == 1 ? One : new GammaRule(Kind.Constant, value);
    }

    /// <summary>Parses "1", "M", "sqrt(M)" or a positive number such as "2.5" (case-insensitive, spaces ignored).</summary>
    public static GammaRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Replace(" ", "", StringComparison.Ordinal);
        if (string.Equals(t, "M", StringComparison.OrdinalIgnoreCase)) return M;
        if (string.Equals(t, "sqrt(M)", StringComparison.OrdinalIgnoreCase)) return SqrtM;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v))
        {
            return Constant(v);
        }
        throw new ArgumentException($"gamma rule '{text}': use 1, M, sqrt(M) or a positive number");
    }

    /// <summary>gamma(<paramref name="members"/>).</summary>
    public double Value(int members)
    {
        EnsembleSize.Require(members);
        return _kind switch
        {
            Kind.M => members,
            Kind.SqrtM => Math.Sqrt(members),
            _ => _constant,
        };
    }

    /// <summary>The canonical text form that <see cref="Parse"/> reads back.</summary>
    public override string ToString() => _kind switch
    {
        Kind.One => "1",
        Kind.M => "M",
        Kind.SqrtM => "sqrt(M)",
        _ => _constant.ToString("R", CultureInfo.InvariantCulture),
    };
}
