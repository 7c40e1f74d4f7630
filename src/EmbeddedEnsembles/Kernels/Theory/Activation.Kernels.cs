using EmbeddedEnsembles.Kernels.Theory;
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
