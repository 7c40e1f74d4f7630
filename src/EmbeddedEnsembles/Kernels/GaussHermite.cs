namespace EmbeddedEnsembles.Kernels;

/// <summary>
/// Gauss-Hermite quadrature for the standard normal law: nodes g_k and weights w_k (summing to 1) with
/// E f(g) ~ sum_k w_k f(g_k), exact for polynomials of degree up to 2n - 1. Nodes start from the eigenvalues of the
/// Jacobi matrix of the orthonormal probabilists' Hermite polynomials (off-diagonal sqrt(k)), are polished by Newton
/// steps on p_n, and weights come from the Christoffel function w = 1 / sum_{k&lt;n} p_k(g)^2 (no overflow, no
/// cancellation). Rules are cached per order.
/// </summary>
public sealed class GaussHermite
{
    private static readonly Dictionary<int, GaussHermite> Cache = new();
    private static readonly Lock CacheLock = new();

    private GaussHermite(double[] nodes, double[] weights)
    {
        Nodes = nodes;
        Weights = weights;
    }

    /// <summary>The nodes, ascending.</summary>
    public IReadOnlyList<double> Nodes { get; }
    /// <summary>The weights (sum 1).</summary>
    public IReadOnlyList<double> Weights { get; }
    /// <summary>Number of nodes.</summary>
    public int Order => Nodes.Count;

    /// <summary>The rule with <paramref name="order"/> nodes (1 to 200).</summary>
    public static GaussHermite Get(int order)
    {
        if (order < 1 || order > 200)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Gauss-Hermite order must lie in 1..200");
        }
        lock (CacheLock)
        {
            if (!Cache.TryGetValue(order, out GaussHermite? rule))
            {
                rule = Build(order);
                Cache[order] = rule;
            }
            return rule;
        }
    }

    private static GaussHermite Build(int n)
    {
        var jacobi = new double[n, n];
        for (int k = 1; k < n; k++)
        {
            jacobi[k, k - 1] = Math.Sqrt(k);
            jacobi[k - 1, k] = Math.Sqrt(k);
        }
        double[] nodes = SymmetricEigen.Decompose(jacobi).Values;
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = nodes[i];
            for (int it = 0; it < 3; it++)
            {
                (double pn, double pn1, _) = Evaluate(n, x);
                double derivative = Math.Sqrt(n) * pn1; // p_n' = sqrt(n) p_{n-1} for orthonormal He
                if (derivative == 0)
                {
                    break;
                }
                x -= pn / derivative;
            }
            nodes[i] = x;
            weights[i] = 1 / Evaluate(n, x).SumSquares;
        }
        // Symmetrize exactly: the rule is symmetric about 0.
        for (int i = 0; i < n / 2; i++)
        {
            double g = 0.5 * (nodes[n - 1 - i] - nodes[i]);
            double w = 0.5 * (weights[i] + weights[n - 1 - i]);
            nodes[i] = -g;
            nodes[n - 1 - i] = g;
            weights[i] = w;
            weights[n - 1 - i] = w;
        }
        if (n % 2 == 1)
        {
            nodes[n / 2] = 0;
        }
        double total = weights.Sum();
        for (int i = 0; i < n; i++)
        {
            weights[i] /= total;
        }
        return new GaussHermite(nodes, weights);
    }

    // Orthonormal probabilists' Hermite recurrence: p_0 = 1, p_1 = x, p_{k+1} = (x p_k - sqrt(k) p_{k-1}) / sqrt(k+1).
    private static (double Pn, double PnMinus1, double SumSquares) Evaluate(int n, double x)
    {
        double prev = 0, cur = 1, sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += cur * cur;
            double next = (x * cur - Math.Sqrt(k) * prev) / Math.Sqrt(k + 1);
            prev = cur;
            cur = next;
        }
        return (cur, prev, sum);
    }
}
