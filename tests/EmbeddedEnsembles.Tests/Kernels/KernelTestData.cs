using EmbeddedEnsembles.Numerics;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

/// Deterministic inputs and small helpers shared by the kernel tests.
internal static class KernelTestData
{
    /// n points in d dimensions, N(offset, 1) entries from a seeded generator (offset > 0 gives positive inner products).
    public static double[,] Points(int n, int d, int seed, double offset = 0)
    {
        var rng = new Random(seed);
        var x = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                x[i, j] = offset + Normal(rng);
            }
        }
        return x;
    }

    public static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static double[] Vector(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Normal(rng)).ToArray();
    }

    public static bool AllPositive(double[,] x, int n)
    {
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (!(x[i, j] > 0))
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// Smallest eigenvalue divided by the largest |eigenvalue| (>= -1e-12 means PSD up to rounding).
    public static double RelativeMinEigenvalue(double[,] a)
    {
        double[] values = SymmetricEigen.Decompose(a).Values;
        double scale = Math.Max(Math.Abs(values[0]), Math.Abs(values[^1]));
        return scale == 0 ? 0 : values[0] / scale;
    }

    public static double MaxAsymmetry(double[,] a)
    {
        int n = a.GetLength(0);
        double m = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                m = Math.Max(m, Math.Abs(a[i, j] - a[j, i]));
            }
        }
        return m;
    }
}
