using TorchSharp;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Runtime;

/// <summary>
/// Tensor arithmetic with a double constant whose native Scalar is disposed here, on the calling thread.
/// TorchSharp 0.107 turns a double into a Scalar implicitly and passes only its handle to libtorch; nothing keeps
/// that Scalar alive during the native call and no dispose scope tracks it, so the GC finalizer thread could free
/// it mid-call. Seen here as a rare "Expected false to be true ... toDouble" failure in long training runs.
/// </summary>
public static class ScalarArithmetic
{
    // TorchSharp makes some Scalars itself, on every call and with the same race: the alpha = 1 of add(Tensor),
    // add_(Tensor), add(Scalar) and Tensor + Tensor (a training cell failed in add_ with "toFloat"), and the exponent of
    // square() = pow(2). Scalars held for the life of the process are never finalized.
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar Two = 2.ToScalar();

    /// <summary>t + other.</summary>
    public static Tensor Plus(this Tensor t, Tensor other) => t.add(other, One);

    /// <summary>t += other, in place.</summary>
    public static Tensor Plus_(this Tensor t, Tensor other) => t.add_(other, One);

    /// <summary>t^2, the op of TorchSharp's square() (pow(2)).</summary>
    public static Tensor Squared(this Tensor t) => t.pow(Two);

    /// <summary>t * c.</summary>
    public static Tensor MulBy(this Tensor t, double c)
    {
        using Scalar s = c.ToScalar();
        return t.mul(s);
    }

    /// <summary>
    /// t * c, or t itself when c = 1 (the scales of the standard parameterization): no pass and no autograd node for
    /// the same bits. The result may be t, so never change it in place.
    /// </summary>
    public static Tensor ScaledBy(this Tensor t, double c) => c == 1 ? t : t.MulBy(c);

    /// <summary>t / c.</summary>
    public static Tensor DivBy(this Tensor t, double c)
    {
        using Scalar s = c.ToScalar();
        return t.div(s);
    }

    /// <summary>t + c.</summary>
    public static Tensor Plus(this Tensor t, double c)
    {
        using Scalar s = c.ToScalar();
        return t.add(s, One);
    }

    /// <summary>t += c, in place.</summary>
    public static Tensor Plus_(this Tensor t, double c)
    {
        using Scalar s = c.ToScalar();
        return t.add_(s, One);
    }

    /// <summary>t - c.</summary>
    public static Tensor Minus(this Tensor t, double c)
    {
        using Scalar s = c.ToScalar();
        return t.sub(s);
    }

    /// <summary>t *= c, in place.</summary>
    public static Tensor MulBy_(this Tensor t, double c)
    {
        using Scalar s = c.ToScalar();
        return t.mul_(s);
    }

    /// <summary>t + alpha * other.</summary>
    public static Tensor AddScaled(this Tensor t, Tensor other, double alpha)
    {
        using Scalar s = alpha.ToScalar();
        return t.add(other, s);
    }

    /// <summary>t += alpha * other, in place.</summary>
    public static Tensor AddScaled_(this Tensor t, Tensor other, double alpha)
    {
        using Scalar s = alpha.ToScalar();
        return t.add_(other, s);
    }
}
