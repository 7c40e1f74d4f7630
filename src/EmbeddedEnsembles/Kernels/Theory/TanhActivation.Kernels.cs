using EmbeddedEnsembles.Runtime;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Descriptions;

// tanh has no closed-form kernel: it keeps Activation's Gauss-Hermite rule and only supplies its derivative tensor.
public sealed partial class TanhActivation
{
    /// <summary>1 - tanh(z)^2.</summary>
    public override Tensor DerivativeTensor(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        return z.tanh().Squared().neg().Plus(1).MoveToOuterDisposeScope();
    }
}
