using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Training;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// Mean and covariance of a Gaussian prediction at a set of points (train points first, then the others), after
/// linearized gradient-flow training (THEORY.md section 3).
/// </summary>
/// <param name="Mean">E f_t at every point.</param>
/// <param name="Covariance">Cov f_t over every pair of points.</param>
/// <param name="Time">The training time tau (PositiveInfinity for the converged limit).</param>
/// <param name="Ridge">The ridge added to every eigenvalue of the train-train NTK (0: none).</param>
/// <param name="MinEigenvalue">Smallest eigenvalue of the train-train NTK (before the ridge).</param>
/// <param name="MaxEigenvalue">Largest eigenvalue of the train-train NTK (before the ridge).</param>
/// <param name="NullEigenvalues">Eigenvalues (after the ridge) at or below the floor, treated as exactly 0.</param>
public sealed record TrainedPrediction(
    double[] Mean,
    double[,] Covariance,
    double Time,
    double Ridge,
    double MinEigenvalue,
    double MaxEigenvalue,
    int NullEigenvalues);

/// <summary>Expected test MSE of the ensemble mean, split into its two terms.</summary>
/// <param name="Members">M.</param>
/// <param name="Bias2">mean over test points of (E fbar(x) - y)^2.</param>
/// <param name="Variance">mean over test points of Var fbar(x).</param>
public sealed record ExpectedMse(int Members, double Bias2, double Variance)
{
    /// <summary>Bias2 + Variance.</summary>
    public double Mse => Bias2 + Variance;
}

/// <summary>
/// The trained infinite-width ensemble (THEORY.md section 3): under MSE and gradient flow the ensemble mean is a
/// single kernel machine with NTK Theta_m and prior covariance K_m (<see cref="EnsembleKernels.MeanMode"/>), so the
/// cost is O(n^3) for n training points whatever M is.
/// <para>
/// Dynamics: d f/dt = -Theta(x, X)(f(X) - Y), i.e. the loss is (1/2) sum over training points with the learning rates
/// inside Theta. With E = I - exp(-Theta tau): mean(x) = Theta(x,X) Theta^-1 E Y and
/// cov(x,x') = K(x,x') + B K(X,X) B^T - B K(X,x') - K(x,X) B^T with B = Theta(x,X) Theta^-1 E. Theta^-1 E is computed
/// spectrally as Q diag((1 - exp(-lambda tau))/lambda) Q^T (Jacobi eigendecomposition), with the limit tau at
/// lambda = 0, so a singular Theta needs no ridge at finite tau; at tau = infinity it becomes Theta^+ (eigenvalues at or
/// below 1e-12 lambda_max are dropped and counted in <see cref="TrainedPrediction.NullEigenvalues"/>). An explicit
/// ridge (default 0) adds r to every eigenvalue of Theta(X,X): kernel ridge regression at tau = infinity.
/// </para>
/// <para>
/// Time units: with the library's MSE rule (L_a = 1/(2B) sum ||f_a - y||^2, full batch B = n) and learning rates mu_w,
/// mu_u inside the kernels, s gradient steps correspond to tau = s / n.
/// </para>
/// </summary>
public static class TrainedEnsemble
{
    /// <summary>Relative floor under which an eigenvalue of the train-train NTK counts as 0.</summary>
    public const double RelativeEigenFloor = 1e-12;

    /// <summary>
    /// Linearized training of a Gaussian process with NTK <paramref name="ntk"/> and prior covariance
    /// <paramref name="nngp"/> (both over all points, train points being the first <paramref name="trainCount"/>).
    /// </summary>
    public static TrainedPrediction Predict(double[,] ntk, double[,] nngp, int trainCount, double[] trainTargets, double time, double ridge = 0)
    {
        int p = Matrix.RequireSquare(ntk);
        if (Matrix.RequireSquare(nngp) != p)
        {
            throw new ArgumentException("NTK and NNGP must cover the same points");
        }
        ArgumentNullException.ThrowIfNull(trainTargets);
        if (trainCount < 1 || trainCount > p)
        {
            throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, $"train count must lie in 1..{p}");
        }
        if (trainTargets.Length != trainCount)
        {
            throw new ArgumentException($"{trainTargets.Length} targets for {trainCount} training points");
        }
        if (!(time >= 0) || double.IsNaN(time))
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "time must be >= 0 (PositiveInfinity for the limit)");
        }
        if (!(ridge >= 0) || !double.IsFinite(ridge))
        {
            throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "ridge must be a finite number >= 0");
        }
        int[] train = Enumerable.Range(0, trainCount).ToArray();
        int[] all = Enumerable.Range(0, p).ToArray();
        SymmetricEigen eigen = SymmetricEigen.Decompose(Matrix.Sub(ntk, train, train));
        double lmax = Math.Max(Math.Abs(eigen.Values[^1]), Math.Abs(eigen.Values[0]));
        double floor = RelativeEigenFloor * Math.Max(lmax + ridge, double.Epsilon);
        int nulls = eigen.Values.Count(l => l + ridge <= floor);
        double[,] g = eigen.Apply(l =>
        {
            double lr = l + ridge;
            if (lr <= floor)
            {
                return double.IsPositiveInfinity(time) ? 0 : time; // (1 - exp(-l tau))/l -> tau as l -> 0
            }
            return double.IsPositiveInfinity(time) ? 1 / lr : -double.ExpM1(-lr * time) / lr;
        });
        double[,] b = Matrix.Multiply(Matrix.Sub(ntk, all, train), g); // B = Theta(x, X) Theta^-1 E, p x n
        double[] mean = Matrix.Multiply(b, trainTargets);
        double[,] kxX = Matrix.Sub(nngp, all, train);                 // K(x, X), p x n
        double[,] bk = Matrix.Multiply(b, Matrix.Transpose(kxX));      // B K(X, x'), p x p
        double[,] bkb = Matrix.Multiply(Matrix.Multiply(b, Matrix.Sub(nngp, train, train)), Matrix.Transpose(b));
        var cov = new double[p, p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                cov[i, j] = nngp[i, j] + bkb[i, j] - bk[i, j] - bk[j, i];
            }
        }
        return new TrainedPrediction(mean, Matrix.Symmetrize(cov), time, ridge, eigen.Values[0], eigen.Values[^1], nulls);
    }

    /// <summary>
    /// The ensemble mean of M members trained together, by the mean-mode reduction: <see cref="Predict"/> with
    /// Theta_m and K_m. <paramref name="kernels"/> covers all points, train points first.
    /// </summary>
    public static TrainedPrediction PredictMean(EnsembleKernels kernels, TrainingRule scales, int trainCount, double[] trainTargets,
        double time, double ridge = 0, int? members = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        MeanModeKernels m = kernels.MeanMode(scales, members);
        return Predict(m.Ntk, m.Nngp, trainCount, trainTargets, time, ridge);
    }

    /// <summary>
    /// The same ensemble mean by the full (M P) x (M P) block computation: every member's linearized dynamics with
    /// the whole Theta_ab, then the average over members. O((M n)^3): the reference that checks the reduction.
    /// </summary>
    public static TrainedPrediction PredictMeanFullBlock(EnsembleKernels kernels, TrainingRule scales, int trainCount, double[] trainTargets,
        double time, double ridge = 0, int? members = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(trainTargets);
        int m = members ?? kernels.Spec.Members;
        int p = kernels.Points;
        double[,] theta = kernels.FullNtk(scales, m);
        double[,] k = kernels.FullNngp(m);
        // Reorder so that every member's training points come first: (a, i < n) then (a, i >= n).
        int[] order = Enumerable.Range(0, m).SelectMany(a => Enumerable.Range(0, trainCount).Select(i => a * p + i))
            .Concat(Enumerable.Range(0, m).SelectMany(a => Enumerable.Range(trainCount, p - trainCount).Select(i => a * p + i)))
            .ToArray();
        double[] targets = Enumerable.Range(0, m).SelectMany(_ => trainTargets).ToArray();
        TrainedPrediction full = Predict(Matrix.Sub(theta, order, order), Matrix.Sub(k, order, order), m * trainCount, targets, time, ridge);
        // Average operator: fbar(point) = (1/M) sum_a f_a(point).
        var position = new int[m * p];
        for (int r = 0; r < order.Length; r++)
        {
            position[order[r]] = r;
        }
        var avg = new double[p, m * p];
        for (int i = 0; i < p; i++)
        {
            for (int a = 0; a < m; a++)
            {
                avg[i, position[a * p + i]] = 1.0 / m;
            }
        }
        double[] mean = Matrix.Multiply(avg, full.Mean);
        double[,] cov = Matrix.Multiply(Matrix.Multiply(avg, full.Covariance), Matrix.Transpose(avg));
        return full with { Mean = mean, Covariance = Matrix.Symmetrize(cov) };
    }

    /// <summary>
    /// Expected test MSE of a prediction over the points after the first <paramref name="trainCount"/>:
    /// mean((E f - y)^2) + mean(Var f).
    /// </summary>
    public static ExpectedMse TestMse(TrainedPrediction prediction, int trainCount, double[] testTargets, int members)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(testTargets);
        int p = prediction.Mean.Length;
        if (testTargets.Length != p - trainCount || testTargets.Length == 0)
        {
            throw new ArgumentException($"{testTargets.Length} test targets for {p - trainCount} test points");
        }
        double bias = 0, variance = 0;
        for (int t = 0; t < testTargets.Length; t++)
        {
            double e = prediction.Mean[trainCount + t] - testTargets[t];
            bias += e * e;
            variance += prediction.Covariance[trainCount + t, trainCount + t];
        }
        return new ExpectedMse(members, bias / testTargets.Length, variance / testTargets.Length);
    }

    /// <summary>
    /// Expected test MSE of the trained ensemble mean as a function of M (THEORY.md section 3), the kernels being
    /// computed once: <paramref name="kernels"/> covers train points then test points.
    /// </summary>
    public static IReadOnlyList<ExpectedMse> MseCurve(EnsembleKernels kernels, TrainingRule scales, IEnumerable<int> members,
        int trainCount, double[] trainTargets, double[] testTargets, double time, double ridge = 0)
    {
        ArgumentNullException.ThrowIfNull(members);
        return members
            .Select(m => TestMse(PredictMean(kernels, scales, trainCount, trainTargets, time, ridge, m), trainCount, testTargets, m))
            .ToArray();
    }
}
