using static TorchSharp.torch;

namespace EmbeddedEnsembles.Descriptions;

/// <summary>
/// A pointwise nonlinearity phi. The finite forward pass lives here; the infinite-width kernel rule of the
/// same activation lives beside it (partial class, in Kernels/Theory/), so one description yields both.
/// </summary>
public abstract partial class Activation
{
    /// <summary>The name used in descriptions and results ("relu", "erf", "tanh", "gelu").</summary>
    public abstract string Name { get; }

    /// <summary>phi(z), elementwise.</summary>
    public abstract Tensor Forward(Tensor z);

    /// <summary>
    /// phi(z) where nothing else reads <paramref name="z"/> afterwards: may overwrite z instead of allocating
    /// (ReLU does; its backward needs only its output).
    /// </summary>
    public virtual Tensor ForwardInPlace(Tensor z) => Forward(z);

    /// <summary>phi(z) for one number, used by quadrature.</summary>
    public abstract double Value(double z);

    /// <summary>phi'(z) for one number, used by quadrature.</summary>
    public abstract double Derivative(double z);

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>ReLU: max(z, 0).</summary>
    public static Activation Relu { get; } = new ReluActivation();
    /// <summary>The error function.</summary>
    public static Activation Erf { get; } = new ErfActivation();
    /// <summary>Hyperbolic tangent.</summary>
    public static Activation Tanh { get; } = new TanhActivation();
    /// <summary>GELU (exact, erf-based).</summary>
    public static Activation Gelu { get; } = new GeluActivation();

    /// <summary>All activations by name.</summary>
    public static IReadOnlyList<Activation> All { get; } = new[] { Relu, Erf, Tanh, Gelu };

    /// <summary>Looks an activation up by name; unknown names give a clear error.</summary>
    public static Activation Parse(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown activation '{name}': use relu, erf, tanh or gelu");
}

/// <summary>ReLU.</summary>
public sealed partial class ReluActivation : Activation
{
    /// <inheritdoc />
    public override string Name => "relu";
    /// <inheritdoc />
    public override Tensor Forward(Tensor z) => nn.functional.relu(z);
    /// <inheritdoc />
    public override Tensor ForwardInPlace(Tensor z) => z.relu_();
    /// <inheritdoc />
    public override double Value(double z) => Math.Max(z, 0);
    /// <inheritdoc />
    public override double Derivative(double z) => z > 0 ? 1 : 0;
}

/// <summary>erf.</summary>
public sealed partial class ErfActivation : Activation
{
    /// <inheritdoc />
    public override string Name => "erf";
    /// <inheritdoc />
    public override Tensor Forward(Tensor z) => special.erf(z);
    /// <inheritdoc />
    public override double Value(double z) => SpecialFunctions.Erf(z);
    /// <inheritdoc />
    public override double Derivative(double z) => 2 / Math.Sqrt(Math.PI) * Math.Exp(-z * z);
}

/// <summary>tanh.</summary>
public sealed partial class TanhActivation : Activation
{
    /// <inheritdoc />
    public override string Name => "tanh";
    /// <inheritdoc />
    public override Tensor Forward(Tensor z) => z.tanh();
    /// <inheritdoc />
    public override double Value(double z) => Math.Tanh(z);
    /// <inheritdoc />
    public override double Derivative(double z) => 1 - Math.Tanh(z) * Math.Tanh(z);
}

/// <summary>GELU, z * Phi(z).</summary>
public sealed partial class GeluActivation : Activation
{
    /// <inheritdoc />
    public override string Name => "gelu";
    /// <inheritdoc />
    public override Tensor Forward(Tensor z) => nn.functional.gelu(z);
    /// <inheritdoc />
    public override double Value(double z) => z * GaussLaw.NormalCdf(z);
    /// <inheritdoc />
    public override double Derivative(double z) => GaussLaw.NormalCdf(z) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
}
