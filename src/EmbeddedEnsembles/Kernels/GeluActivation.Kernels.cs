using static TorchSharp.torch;

namespace EmbeddedEnsembles.Model;

// GELU has no closed-form kernel here: it keeps Activation's Gauss-Hermite rule and only supplies its derivative tensor.
public sealed partial class GeluActivation
{
    /// <summary>Phi(z) + z phi_N(z), the derivative of the exact (erf-based) GELU.</summary>
    public override Tensor DerivativeTensor(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        Tensor cdf = special.erf(z.mul(1 / Math.Sqrt(2))).add(1).mul(0.5);
        Tensor pdf = z.square().mul(-0.5).exp().mul(1 / Math.Sqrt(2 * Math.PI));
        return cdf.add(z.mul(pdf)).MoveToOuterDisposeScope();
    }
}
