namespace EmbeddedEnsembles.Numerics;

/// <summary>
/// Small dense float64 linear algebra on <c>double[,]</c> (row-major), enough for the kernel code: products,
/// transposes, symmetric parts, Frobenius norms and conversions to jagged arrays for JSON.
/// </summary>
public static class Matrix
{
    /// <summary>A <paramref name="rows"/> x <paramref name="cols"/> matrix filled with <paramref name="value"/>.</summary>
    public static double[,] Filled(int rows, int cols, double value)
    {
        var m = new double[rows, cols];
        if (value != 0)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    m[i, j] = value;
                }
            }
        }
        return m;
    }

    /// <summary>A rows x cols matrix from row-major values (e.g. a float64 tensor's data).</summary>
    public static double[,] FromRowMajor(IReadOnlyList<double> values, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != rows * cols)
        {
            throw new ArgumentException($"{values.Count} values for a {rows} x {cols} matrix");
        }
        var m = new double[rows, cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                m[i, j] = values[i * cols + j];
            }
        }
        return m;
    }

    /// <summary>The n x n identity.</summary>
    public static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            m[i, i] = 1;
        }
        return m;
    }

    /// <summary>A * B.</summary>
    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        if (b.GetLength(0) != k)
        {
            throw new ArgumentException($"cannot multiply {n}x{k} by {b.GetLength(0)}x{m}");
        }
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < k; p++)
            {
                double aip = a[i, p];
                if (aip == 0)
                {
                    continue;
                }
                for (int j = 0; j < m; j++)
                {
                    c[i, j] += aip * b[p, j];
                }
            }
        }
        return c;
    }

    /// <summary>A * x.</summary>
    public static double[] Multiply(double[,] a, double[] x)
    {
        int n = a.GetLength(0), k = a.GetLength(1);
        if (x.Length != k)
        {
            throw new ArgumentException($"cannot multiply {n}x{k} by a vector of length {x.Length}");
        }
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int p = 0; p < k; p++)
            {
                s += a[i, p] * x[p];
            }
            y[i] = s;
        }
        return y;
    }

    /// <summary>A^T.</summary>
    public static double[,] Transpose(double[,] a)
    {
        int n = a.GetLength(0), m = a.GetLength(1);
        var t = new double[m, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                t[j, i] = a[i, j];
            }
        }
        return t;
    }

    /// <summary>alpha * A + beta * B (same shapes).</summary>
    public static double[,] Combine(double alpha, double[,] a, double beta, double[,] b)
    {
        RequireSameShape(a, b);
        int n = a.GetLength(0), m = a.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                c[i, j] = alpha * a[i, j] + beta * b[i, j];
            }
        }
        return c;
    }

    /// <summary>alpha * A.</summary>
    public static double[,] Scale(double alpha, double[,] a) => Combine(alpha, a, 0, a);

    /// <summary>(A + A^T)/2, removing rounding asymmetry.</summary>
    public static double[,] Symmetrize(double[,] a)
    {
        int n = RequireSquare(a);
        var s = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                s[i, j] = 0.5 * (a[i, j] + a[j, i]);
            }
        }
        return s;
    }

    /// <summary>The rows <paramref name="rows"/> and columns <paramref name="cols"/> of A.</summary>
    public static double[,] Sub(double[,] a, int[] rows, int[] cols)
    {
        var s = new double[rows.Length, cols.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            for (int j = 0; j < cols.Length; j++)
            {
                s[i, j] = a[rows[i], cols[j]];
            }
        }
        return s;
    }

    /// <summary>The Frobenius norm ||A||_F.</summary>
    public static double Frobenius(double[,] a)
    {
        double s = 0;
        foreach (double v in a)
        {
            s += v * v;
        }
        return Math.Sqrt(s);
    }

    /// <summary>||A - B||_F / ||B||_F: the relative Frobenius error of A against the reference B.</summary>
    public static double RelativeError(double[,] a, double[,] reference)
    {
        RequireSameShape(a, reference);
        return Frobenius(Combine(1, a, -1, reference)) / Frobenius(reference);
    }

    /// <summary>max |A_ij - B_ij|.</summary>
    public static double MaxAbsDifference(double[,] a, double[,] b)
    {
        RequireSameShape(a, b);
        double m = 0;
        int n = a.GetLength(0), k = a.GetLength(1);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < k; j++)
            {
                m = Math.Max(m, Math.Abs(a[i, j] - b[i, j]));
            }
        }
        return m;
    }

    /// <summary>A copy as a jagged array (rows), the shape System.Text.Json writes directly.</summary>
    public static double[][] ToJagged(double[,] a)
    {
        int n = a.GetLength(0), m = a.GetLength(1);
        var j = new double[n][];
        for (int i = 0; i < n; i++)
        {
            j[i] = new double[m];
            for (int k = 0; k < m; k++)
            {
                j[i][k] = a[i, k];
            }
        }
        return j;
    }

    /// <summary>A jagged array (equal-length rows) as a rectangular matrix.</summary>
    public static double[,] FromJagged(double[][] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int n = rows.Length, m = n == 0 ? 0 : rows[0].Length;
        var a = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            if (rows[i].Length != m)
            {
                throw new ArgumentException($"row {i} has {rows[i].Length} entries, expected {m}");
            }
            for (int k = 0; k < m; k++)
            {
                a[i, k] = rows[i][k];
            }
        }
        return a;
    }

    /// <summary>The number of rows of a square matrix, or an <see cref="ArgumentException"/>.</summary>
    public static int RequireSquare(double[,] a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.GetLength(0) != a.GetLength(1))
        {
            throw new ArgumentException($"expected a square matrix, got {a.GetLength(0)}x{a.GetLength(1)}");
        }
        return a.GetLength(0);
    }

    private static void RequireSameShape(double[,] a, double[,] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.GetLength(0) != b.GetLength(0) || a.GetLength(1) != b.GetLength(1))
        {
            throw new ArgumentException($"shape mismatch: {a.GetLength(0)}x{a.GetLength(1)} vs {b.GetLength(0)}x{b.GetLength(1)}");
        }
    }
}
