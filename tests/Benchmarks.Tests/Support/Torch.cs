using EmbeddedEnsembles.Runtime;
using static TorchSharp.torch;

namespace EEArtifacts.Benchmarks.Tests.Support;

/// Loads libtorch once (one thread: the machine is shared) and compares tensors.
internal static class Torch
{
    static Torch()
    {
        TorchRuntime.Initialize(DeviceChoice.Cpu, 1);
    }

    public static void Init() { }

    public static double[] D(Tensor t) => t.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    public static double MaxRelDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        double[] x = D(a), y = D(b);
        double scale = Math.Max(1e-12, y.Max(Math.Abs));
        return x.Zip(y, (p, q) => Math.Abs(p - q)).Max() / scale;
    }

    public static void Close(Tensor a, Tensor b, double relTol)
    {
        double d = MaxRelDiff(a, b);
        Assert.True(d <= relTol, $"max |a-b| / max |b| = {d} > {relTol}");
    }
}
