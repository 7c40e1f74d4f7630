using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Models;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>E1 `gp-init`: member outputs at initialization against the analytic NNGP (Theorem 1).</summary>
public static class GpInit
{
    /// <summary>One (setting, width): <paramref name="Samples"/> independent initializations.</summary>
    /// <param name="Setting">The modulation setting (see <see cref="InitSettings.All"/>).</param>
    /// <param name="Width">Hidden width.</param>
    /// <param name="Samples">Initializations.</param>
    /// <param name="Repeat">Always 0: the samples are the repeats.</param>
    public sealed record Cell(string Setting, int Width, int Samples, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Setting} width={Width}";
        /// <inheritdoc />
        public void Validate()
        {
            if (Samples < 2) throw new ArgumentException($"samples must be >= 2, got {Samples}");
            Find(Setting).Spec(Width).Validate();
        }
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        ResultLayout.GpInit.Experiment,
        "At initialization member outputs converge to a Gaussian process with the analytic NNGP; with U1 = 0 members are independent (cross covariance 0), with U1 != 0 they are positively correlated (Theorem 1).",
        Grid,
        Run);

    internal static InitSettings.Setting Find(string name) =>
        InitSettings.All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown setting '{name}'");

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        (int[] widths, int samples) = profile switch
        {
            Profile.Smoke => (new[] { 16, 32 }, 20),
            Profile.Quick => (new[] { 64, 128, 256, 512, 1024 }, 200),
            _ => (new[] { 64, 128, 256, 512, 1024, 2048, 4096 }, 2000),
        };
        return InitSettings.All.SelectMany(s => widths.Select(w => new Cell(s.Name, w, samples, 0))).ToList();
    }

    private static CellOutput Run(Cell cell, CellContext context)
    {
        InitSettings.Setting setting = Find(cell.Setting);
        double[,] x = InitSettings.Inputs();
        EnsembleKernels theory = AnalyticKernels.Compute(setting.Spec(1), x);
        int m = InitSettings.Members, n = InitSettings.Points;

        // outputs[s, a, i] = f_a(x_i) of initialization s.
        var outputs = new double[cell.Samples, m, n];
        using (var input = tensor(Flatten(x), new long[] { n, InitSettings.InputDim }, ScalarType.Float64))
        {
            for (int s = 0; s < cell.Samples; s++)
            {
                using var scope = NewDisposeScope();
                using var model = new EnsembleMlp(setting.Spec(cell.Width), context.SeedFor($"init-{s}"), ScalarType.Float64);
                using var noGrad = no_grad();
                double[] f = model.MemberOutputs(input).data<double>().ToArray();
                for (int a = 0; a < m; a++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        outputs[s, a, i] = f[a * n + i];
                    }
                }
            }
        }

        // Per-sample estimates of the same/cross matrices, then their means and the SE of their mean diagonals.
        var same = new double[n, n];
        var cross = new double[n, n];
        var sameDiag = new double[cell.Samples];
        var crossDiag = new double[cell.Samples];
        for (int s = 0; s < cell.Samples; s++)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double ss = 0, cc = 0;
                    for (int a = 0; a < m; a++)
                    {
                        for (int b = 0; b < m; b++)
                        {
                            double p = outputs[s, a, i] * outputs[s, b, j];
                            if (a == b) ss += p; else cc += p;
                        }
                    }
                    ss /= m;
                    cc /= m * (m - 1);
                    same[i, j] += ss / cell.Samples;
                    cross[i, j] += cc / cell.Samples;
                    if (i == j)
                    {
                        sameDiag[s] += ss / n;
                        crossDiag[s] += cc / n;
                    }
                }
            }
        }
        (double sameMean, double sameSe) = MeanSe(sameDiag);
        (double crossMean, double crossSe) = MeanSe(crossDiag);
        double sameTheory = InitSettings.MeanDiagonal(theory.NngpSame), crossTheory = InitSettings.MeanDiagonal(theory.NngpCross);
        double relErr = InitSettings.JointRelativeError(same, cross, theory.NngpSame, theory.NngpCross);

        // Excess kurtosis of f_a(x_i) over initializations and members, averaged over inputs. Its SE uses the
        // Gaussian value sqrt(24/N) with N = S*M (members of one network are not independent when U1 != 0,
        // so this understates it there).
        double kurtosis = 0;
        for (int i = 0; i < n; i++)
        {
            double m2 = 0, m4 = 0;
            for (int s = 0; s < cell.Samples; s++)
            {
                for (int a = 0; a < m; a++)
                {
                    double v = outputs[s, a, i];
                    m2 += v * v;
                    m4 += v * v * v * v;
                }
            }
            int count = cell.Samples * m;
            m2 /= count;
            m4 /= count;
            kurtosis += (m4 / (m2 * m2) - 3) / n;
        }
        double kurtosisSe = Math.Sqrt(24.0 / (cell.Samples * m));

        var rows = new ResultTable(ResultLayout.GpInit.Rows).Add(
            cell.Setting, setting.U1, setting.RegimeName, cell.Width, cell.Samples,
            sameMean, sameSe, sameTheory, crossMean, crossSe, crossTheory,
            crossMean / sameMean, crossSe / sameMean, crossTheory / sameTheory,
            relErr, kurtosis, kurtosisSe);
        return new CellOutput(rows);
    }

    private static (double Mean, double Se) MeanSe(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, Math.Sqrt(variance / values.Length));
    }

    internal static double[] Flatten(double[,] x) => x.Cast<double>().ToArray();
}
