using EmbeddedEnsembles.Runtime;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Descriptions;

// tanh has no closed-form kernel: it keeps Activation's quadrature rules and only supplies its derivative tensor and a
// joint value-and-derivative.
public sealed partial class TanhActivation
{
    /// <summary>tanh(z) and 1 - tanh(z)^2 from one tanh.</summary>
    protected internal override (double Value, double Derivative) AnalyticKernelValue(double z)
    {
        double y = Math.Tanh(z);
        return (y, 1 - y * y);
    }

    /// <summary>1 - tanh(z)^2.</summary>
    public override Tensor DerivativeTensor(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        using var scope = NewDisposeScope();
        return z.tanh().Squared().neg().Plus(1).MoveToOuterDisposeScope();
    }
}
