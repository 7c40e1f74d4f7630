namespace EmbeddedEnsembles.Numerics;

/// <summary>
/// The eigendecomposition A = Q diag(values) Q^T of a real symmetric matrix, by the cyclic Jacobi method in
/// float64: slow for large n (about 2 n^3 flops per sweep, typically 6 to 10 sweeps) but simple and accurate to
/// working precision, also for tiny eigenvalues of well-scaled kernels. Values are sorted ascending; column k
/// of <see cref="Vectors"/> belongs to <c>Values[k]</c>.
/// </summary>
/// <param name="Values">Eigenvalues, ascending.</param>
/// <param name="Vectors">Orthonormal eigenvectors as columns.</param>
/// <param name="Sweeps">Jacobi sweeps used.</param>
public sealed record SymmetricEigen(double[] Values, double[,] Vectors, int Sweeps)
{
    /// <summary>Decomposes the symmetric part (A + A^T)/2 of <paramref name="a"/>.</summary>
    public static SymmetricEigen Decompose(double[,] a, int maxSweeps = 100)
    {
        int n = Matrix.RequireSquare(a);
        double[,] m = Matrix.Symmetrize(a);
        double[,] v = Matrix.Identity(n);
        double scale = Matrix.Frobenius(m);
        int sweep = 0;
        while (sweep < maxSweeps)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    off += m[p, q] * m[p, q];
                }
            }
            if (scale == 0 || Math.Sqrt(2 * off) <= 1e-15 * scale)
            {
                break;
            }
            sweep++;
            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    Rotate(m, v, p, q);
                }
            }
        }
        if (sweep == maxSweeps)
        {
            throw new InvalidOperationException($"Jacobi eigen-solver did not converge in {maxSweeps} sweeps (n = {n})");
        }
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = m[i, i];
        }
        int[] order = Enumerable.Range(0, n).OrderBy(i => values[i]).ThenBy(i => i).ToArray();
        var sortedValues = new double[n];
        var sortedVectors = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            sortedValues[k] = values[order[k]];
            for (int i = 0; i < n; i++)
            {
                sortedVectors[i, k] = v[i, order[k]];
            }
        }
        return new SymmetricEigen(sortedValues, sortedVectors, sweep);
    }

    /// <summary>Q diag(f(values)) Q^T: a function of the matrix.</summary>
    public double[,] Apply(Func<double, double> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        int n = Values.Length;
        var fv = new double[n];
        for (int k = 0; k < n; k++)
        {
            fv[k] = f(Values[k]);
        }
        var r = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++)
                {
                    s += Vectors[i, k] * fv[k] * Vectors[j, k];
                }
                r[i, j] = s;
                r[j, i] = s;
            }
        }
        return r;
    }

    // One Jacobi rotation in the (p, q) plane that zeroes m[p, q]: m <- J^T m J, v <- v J, with
    // J = [[c, s], [-s, c]] on rows/columns p, q and t = s/c the smaller root of t^2 + 2 theta t - 1 = 0,
    // theta = (m_qq - m_pp) / (2 m_pq).
    private static void Rotate(double[,] m, double[,] v, int p, int q)
    {
        double apq = m[p, q];
        if (apq == 0)
        {
            return;
        }
        int n = m.GetLength(0);
        double theta = (m[q, q] - m[p, p]) / (2 * apq);
        double t = Math.Abs(theta) > 1e150
            ? 1 / (2 * theta)
            : Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++)
        {
            double mkp = m[k, p], mkq = m[k, q];
            m[k, p] = c * mkp - s * mkq;
            m[k, q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < n; k++)
        {
            double mpk = m[p, k], mqk = m[q, k];
            m[p, k] = c * mpk - s * mqk;
            m[q, k] = s * mpk + c * mqk;
        }
        m[p, q] = 0;
        m[q, p] = 0;
        for (int k = 0; k < n; k++)
        {
            double vkp = v[k, p], vkq = v[k, q];
            v[k, p] = c * vkp - s * vkq;
            v[k, q] = s * vkp + c * vkq;
        }
    }
}
