using EmbeddedEnsembles.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Support;

/// Small helpers for tensor assertions.
internal static class T
{
    static T()
    {
        TorchRuntime.EnsureLoaded();
    }

    public static void Init() { }

    public static double[] D(Tensor t) => t.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        double[] x = D(a), y = D(b);
        double m = 0;
        for (int i = 0; i < x.Length; i++) m = Math.Max(m, Math.Abs(x[i] - y[i]));
        return m;
    }

    public static void Close(Tensor a, Tensor b, double tol)
    {
        double d = MaxAbsDiff(a, b);
        Assert.True(d <= tol, $"max |a-b| = {d} > {tol}");
    }

    public static Tensor Randn(long seed, params long[] shape)
    {
        using var g = new torch.Generator((ulong)seed);
        return randn(shape, dtype: ScalarType.Float64, generator: g);
    }
}
