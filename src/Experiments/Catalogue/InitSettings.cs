using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;
using EEArtifacts.Experiments.Runner;
using TorchSharp;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>The networks E1 and E2 measure at initialization: four modulation settings on one ReLU MLP.</summary>
public static class InitSettings
{
    /// <summary>One setting: a name (no commas), the family and the laws, which give U1 and the regime.</summary>
    /// <param name="Name">Setting name as written in results.</param>
    /// <param name="Family">The family.</param>
    /// <param name="ULaw">Law of u.</param>
    /// <param name="VLaw">Law of v.</param>
    public sealed record Setting(string Name, EnsembleFamily Family, ModulationLaw ULaw, ModulationLaw VLaw)
    {
        /// <summary>U1 = E u.</summary>
        public double U1 => Regime.U1(Family, ULaw);

        /// <summary>The regime at initialization, from U1 alone, as results spell it.</summary>
        public string RegimeName => Regime.Name(Regime.AtInitialization(Family, ULaw));

        /// <summary>The L = 3, ReLU, NTK-parameterized ensemble of <see cref="Members"/> members at a width.</summary>
        public MlpSpec Spec(int width) => new()
        {
            Family = Family,
            InputDim = InputDim,
            Width = width,
            Depth = 3,
            OutputDim = 1,
            Members = Members,
            Activation = Activation.Relu,
            ULaw = ULaw,
            VLaw = VLaw,
        };
    }

    /// <summary>Ensemble size M.</summary>
    public const int Members = 4;
    /// <summary>Input dimension N_0.</summary>
    public const int InputDim = 8;
    /// <summary>Number of fixed inputs n.</summary>
    public const int Points = 8;

    /// <summary>sign(1) (U1 = 0, independent), gauss(1, 0.5) (BatchEnsemble's usual default), const(1) (identical members), MC-dropout p = 0.5.</summary>
    public static IReadOnlyList<Setting> All { get; } = new[]
    {
        new Setting("BE sign(1)", EnsembleFamily.BatchEnsemble, new SignLaw(1), new SignLaw(1)),
        new Setting("BE gauss(1;0.5)", EnsembleFamily.BatchEnsemble, new GaussLaw(1, 0.5), new GaussLaw(1, 0.5)),
        new Setting("BE const(1)", EnsembleFamily.BatchEnsemble, new ConstLaw(1), new ConstLaw(1)),
        new Setting("MCD p=0.5", EnsembleFamily.McDropout, new BernoulliLaw(0.5), new ConstLaw(1)),
    };

    /// <summary>
    /// The n fixed inputs, float64: a shared Gaussian direction plus independent parts, so pairs of inputs have
    /// positive inner products (where Theorems 1.3 and 2.3 predict positive cross kernels). Same for every cell.
    /// </summary>
    public static double[,] Inputs()
    {
        using var g = new torch.Generator((ulong)Seeds.ForCell("init-inputs", "v1"));
        using var common = torch.randn(new long[] { 1, InputDim }, dtype: torch.float64, generator: g);
        using var own = torch.randn(new long[] { Points, InputDim }, dtype: torch.float64, generator: g);
        using var x = common.MulBy(0.8).Plus(own.MulBy(0.6));
        return Matrix.FromRowMajor(x.data<double>().ToArray(), Points, InputDim);
    }

    /// <summary>Mean of the diagonal of a square matrix.</summary>
    public static double MeanDiagonal(double[,] a)
    {
        int n = a.GetLength(0);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += a[i, i];
        }
        return sum / n;
    }

    /// <summary>||[a1 a2] - [b1 b2]||_F / ||[b1 b2]||_F: the joint relative error of a same/cross pair.</summary>
    public static double JointRelativeError(double[,] a1, double[,] a2, double[,] b1, double[,] b2)
    {
        double diff = 0, norm = 0;
        foreach (var (a, b) in new[] { (a1, b1), (a2, b2) })
        {
            for (int i = 0; i < a.GetLength(0); i++)
            {
                for (int j = 0; j < a.GetLength(1); j++)
                {
                    diff += (a[i, j] - b[i, j]) * (a[i, j] - b[i, j]);
                    norm += b[i, j] * b[i, j];
                }
            }
        }
        return Math.Sqrt(diff / norm);
    }
}
