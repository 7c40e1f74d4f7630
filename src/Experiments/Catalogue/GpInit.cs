using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Kernels.Empirical;
using EmbeddedEnsembles.Kernels.Theory;

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
        long[] seeds = Enumerable.Range(0, cell.Samples).Select(s => context.SeedFor($"init-{s}")).ToArray();
        MonteCarloNngp mc = EmpiricalKernels.OutputCovariance(setting.Spec(cell.Width), x, seeds);
        // InitSettings.Members >= 2, so the cross estimates exist.
        double[,] cross = mc.Cross ?? throw new InvalidOperationException("gp-init needs at least 2 members");
        MeanWithError sameDiagonal = mc.SameDiagonal;
        MeanWithError crossDiagonal = mc.CrossDiagonal ?? throw new InvalidOperationException("gp-init needs at least 2 members");
        double sameTheory = InitSettings.MeanDiagonal(theory.NngpSame), crossTheory = InitSettings.MeanDiagonal(theory.NngpCross);
        double relErr = InitSettings.JointRelativeError(mc.Same, cross, theory.NngpSame, theory.NngpCross);
        (double kurtosis, double kurtosisSe) = ExcessKurtosis(mc.Outputs);

        var rows = new ResultTable(ResultLayout.GpInit.Rows).Add(
            cell.Setting, setting.U1, setting.RegimeName, cell.Width, cell.Samples,
            sameDiagonal.Mean, sameDiagonal.StandardError, sameTheory, crossDiagonal.Mean, crossDiagonal.StandardError, crossTheory,
            crossDiagonal.Mean / sameDiagonal.Mean, crossDiagonal.StandardError / sameDiagonal.Mean, crossTheory / sameTheory,
            relErr, kurtosis, kurtosisSe);
        return new CellOutput(rows);
    }

    // Excess kurtosis of f_a(x_i) over initializations and members, averaged over inputs, from outputs [s, a, i, 0].
    // Its SE uses the Gaussian value sqrt(24/N) with N = S*M (members of one network are not independent when
    // U1 != 0, so this understates it there).
    private static (double Kurtosis, double StandardError) ExcessKurtosis(double[,,,] outputs)
    {
        int samples = outputs.GetLength(0), m = outputs.GetLength(1), n = outputs.GetLength(2);
        double kurtosis = 0;
        for (int i = 0; i < n; i++)
        {
            double m2 = 0, m4 = 0;
            for (int s = 0; s < samples; s++)
            {
                for (int a = 0; a < m; a++)
                {
                    double v = outputs[s, a, i, 0];
                    m2 += v * v;
                    m4 += v * v * v * v;
                }
            }
            int count = samples * m;
            m2 /= count;
            m4 /= count;
            kurtosis += (m4 / (m2 * m2) - 3) / n;
        }
        return (kurtosis, Math.Sqrt(24.0 / (samples * m)));
    }
}
