using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Descriptions;

// The infinite-width kernel rule of an activation (the neural-tangents idea: the layer that owns the forward pass
// also owns its kernel). The defaults use quadrature (QuadratureKernelRule); ReLU and erf override them with
// closed forms.
public abstract partial class Activation
{
    /// <summary>How this activation's kernels are computed, for reports ("closed form", "gauss-hermite").</summary>
    public virtual string KernelRule => "gauss-hermite";

    /// <summary>phi(z) as the quadrature rules evaluate it: <see cref="Value"/> unless an activation supplies a faster, equally accurate version.</summary>
    protected internal virtual double KernelValue(double z) => Value(z);

    /// <summary>phi'(z) as the quadrature rules evaluate it: <see cref="Derivative"/> unless overridden.</summary>
    protected internal virtual double KernelDerivative(double z) => Derivative(z);

    /// <summary>
    /// Same-member moments for one modulation v shared by both inputs, over the Gaussian pair <paramref name="k"/>:
    /// E_v E[phi(vz) phi(vz')], E_v E[v^2 phi'(vz) phi'(vz')], E_v E[phi'(vz) phi'(vz') z z'].
    /// </summary>
    public virtual SameMemberMoments SameMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature) =>
        QuadratureKernelRule.SameMember(this, v, k, quadrature);

    /// <summary>
    /// Cross-member moments for independent modulations v, v' of two members over the Gaussian pair <paramref name="k"/>:
    /// E_{v,v'} E[phi(vz) phi(v'z')], E_{v,v'} E[v v' phi'(vz) phi'(v'z')].
    /// </summary>
    public virtual CrossMemberMoments CrossMemberMoments(ModulationLaw v, PairCovariance k, KernelQuadrature quadrature) =>
        QuadratureKernelRule.CrossMember(this, v, k, quadrature);

    /// <summary>
    /// (phi(z), phi'(z)) as the fixed rules of Gaussian laws evaluate them (<see cref="GaussLawKernelRule"/>): exact,
    /// since those rules converge only on analytic integrands (GELU's table is only twice differentiable);
    /// <see cref="Value"/> and <see cref="Derivative"/> unless an activation computes the two together.
    /// </summary>
    protected internal virtual (double Value, double Derivative) AnalyticKernelValue(double z) => (Value(z), Derivative(z));

    /// <summary>
    /// A bound delta on the error of <see cref="KernelValue"/> relative to |z| and of <see cref="KernelDerivative"/>
    /// (0 unless they are approximations: GELU reads Phi from a table).
    /// </summary>
    protected internal virtual double KernelValueError => 0;

    /// <summary>phi''(z) for the error bounds (<see cref="InputSensitivity"/>): a central difference of <see cref="KernelDerivative"/> (step 1e-4, error ~1e-8 relative, ample for a bound).</summary>
    protected internal virtual double KernelSecondDerivative(double z) => (KernelDerivative(z + 1e-4) - KernelDerivative(z - 1e-4)) / 2e-4;

    /// <summary>
    /// One input's sensitivity bounds (<see cref="Kernels.Theory.InputSensitivity"/>) at pre-activation variance
    /// <paramref name="variance"/>, to 1e-6 relative, inflated by 1% (they only scale error bounds).
    /// </summary>
    public virtual InputSensitivity InputSensitivity(ModulationLaw v, double variance)
    {
        ArgumentNullException.ThrowIfNull(v);
        double sd = Math.Sqrt(Math.Max(variance, 0));
        (Triple m, _) = v.Expect(a =>
        {
            (Triple t, _) = GaussianExpectation.Integrate(z =>
            {
                double d1 = KernelDerivative(a * z), d2 = KernelSecondDerivative(a * z);
                double w = d1 + a * z * d2;
                return new Triple(a * a * a * a * d2 * d2, w * w, 0);
            }, 0, sd, 1e-6, [0, 1 / Math.Max(Math.Abs(a), 1e-300), -1 / Math.Max(Math.Abs(a), 1e-300)]);
            return t;
        }, 1e-6, QuadratureKernelRule.LawBreaks(new PairCovariance(variance, variance, variance)));
        return new InputSensitivity(1.01 * m.A, 1.01 * m.B);
    }

    /// <summary>
    /// First-order changes of the derivative moments when the pair's correlation moves by <paramref name="deltaRho"/>
    /// (same-member pair <paramref name="k"/>) or <paramref name="deltaRhoCross"/> (cross-member pair
    /// <paramref name="kCross"/>): |dD/dK12| sqrt(K11 K22) delta rho with the slopes bounded by
    /// <see cref="Kernels.Theory.InputSensitivity"/>. Returns the changes of E_v E[v^2 phi' phi'],
    /// E_v E[phi' phi' z z'] and E_{v,v'} E[v v' phi' phi'].
    /// </summary>
    public virtual (double DerivDeriv, double DerivDerivZZ, double CrossDerivDeriv) RhoErrors(ModulationLaw v, PairCovariance k,
        PairCovariance kCross, InputSensitivity first, InputSensitivity second, double deltaRho, double deltaRhoCross)
    {
        double r = Math.Sqrt(first.R * second.R), w = Math.Sqrt(first.W * second.W), scale = k.Scale;
        return (r * scale * deltaRho, w * scale * deltaRho, r * scale * deltaRhoCross);
    }

    /// <summary>
    /// phi'(z) elementwise, for the manual backward pass of the empirical NTK. The default differentiates
    /// <see cref="Forward"/> with autograd; activations with a simple derivative override it.
    /// </summary>
    public virtual Tensor DerivativeTensor(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        using var enable = enable_grad();
        Tensor leaf = z.detach().requires_grad_(true);
        Tensor y = Forward(leaf).sum();
        Tensor g = autograd.grad([y], [leaf])[0];
        return g.detach().MoveToOuterDisposeScope();
    }
}
