using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;
using Xunit.Abstractions;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Kernels;

public class TrainedEnsembleTests(ITestOutputHelper output)
{
    private const int Train = 6;
    private const int Test = 4;

    private static (EnsembleKernels Kernels, double[] Y, double[] YTest) Problem(MlpSpec spec)
    {
        double[,] x = KernelTestData.Points(Train + Test, spec.InputDim, 21, offset: 0.3);
        double[] y = Enumerable.Range(0, Train + Test).Select(i => Math.Sin(x[i, 0]) + 0.5 * x[i, 1]).ToArray();
        return (AnalyticKernels.Compute(spec, x), y[..Train], y[Train..]);
    }

    public static TheoryData<string, string, string> Regimes => new()
    {
        { "sign(1)", "sign(1)", "M" },            // independent regime
        { "gauss(1,0.5)", "gauss(1,0.5)", "1" },  // collective regime
        { "const(1)", "gauss(0.5,1)", "sqrt(M)" },
    };

    [Theory]
    [MemberData(nameof(Regimes))]
    public void MeanModeReductionEqualsTheFullBlockComputation(string u, string v, string gamma)
    {
        var spec = new MlpSpec { InputDim = 3, Depth = 2, Members = 3, ULaw = ModulationLaw.Parse(u), VLaw = ModulationLaw.Parse(v) };
        (EnsembleKernels k, double[] y, _) = Problem(spec);
        var scales = new TrainingRule(0.7, 0.4, GammaRule.Parse(gamma));
        foreach (double t in new[] { 0.0, 0.3, 2.0, double.PositiveInfinity })
        {
            TrainedPrediction reduced = TrainedEnsemble.PredictMean(k, scales, Train, y, t);
            TrainedPrediction full = TrainedEnsemble.PredictMeanFullBlock(k, scales, Train, y, t);
            // Both are exact linear algebra on well-conditioned kernels (condition number below 1e4 here):
            // agreement to 1e-9 relative to the scale of the covariance.
            double scale = Matrix.Frobenius(reduced.Covariance) + 1;
            double meanDiff = reduced.Mean.Zip(full.Mean, (a, b) => Math.Abs(a - b)).Max();
            double covDiff = Matrix.MaxAbsDifference(reduced.Covariance, full.Covariance);
            output.WriteLine($"t = {t}: |mean diff| = {meanDiff:E2}, |cov diff| = {covDiff:E2}, eig [{reduced.MinEigenvalue:E2}, {reduced.MaxEigenvalue:E2}]");
            Assert.True(meanDiff < 1e-9 * scale, $"t = {t}: mean differs by {meanDiff}");
            Assert.True(covDiff < 1e-9 * scale, $"t = {t}: covariance differs by {covDiff}");
        }
    }

    [Fact]
    public void InfiniteTimeIsKernelRegressionAndFiniteTimeTendsToIt()
    {
        var spec = new MlpSpec { InputDim = 3, Depth = 2, Members = 4, ULaw = new GaussLaw(1, 0.5), VLaw = new GaussLaw(1, 0.5) };
        (EnsembleKernels k, double[] y, _) = Problem(spec);
        var scales = new TrainingRule(1, 1, GammaRule.One);
        MeanModeKernels m = k.MeanMode(scales);
        TrainedPrediction limit = TrainedEnsemble.Predict(m.Ntk, m.Nngp, Train, y, double.PositiveInfinity);

        // Kernel regression by an independent route (explicit inverse): mean = Theta(x,X) Theta^-1 Y; the trained
        // function interpolates the training targets; the covariance at training points vanishes.
        int[] train = Enumerable.Range(0, Train).ToArray(), all = Enumerable.Range(0, Train + Test).ToArray();
        double[,] inverse = SymmetricEigen.Decompose(Matrix.Sub(m.Ntk, train, train)).Apply(l => 1 / l);
        double[] regression = Matrix.Multiply(Matrix.Multiply(Matrix.Sub(m.Ntk, all, train), inverse), y);
        for (int i = 0; i < Train + Test; i++)
        {
            Assert.Equal(regression[i], limit.Mean[i], 9);
        }
        for (int i = 0; i < Train; i++)
        {
            Assert.Equal(y[i], limit.Mean[i], 9);
            Assert.True(Math.Abs(limit.Covariance[i, i]) < 1e-9);
        }
        // Finite time: the distance to the limit falls monotonically and like exp(-lambda_min tau).
        double previous = double.PositiveInfinity;
        foreach (double t in new[] { 0.1, 1, 10, 100, 1e4 })
        {
            TrainedPrediction p = TrainedEnsemble.Predict(m.Ntk, m.Nngp, Train, y, t);
            double d = p.Mean.Zip(limit.Mean, (a, b) => Math.Abs(a - b)).Max() + Matrix.MaxAbsDifference(p.Covariance, limit.Covariance);
            output.WriteLine($"t = {t}: distance to the t = infinity limit {d:E3}");
            Assert.True(d < previous || d < 1e-12, $"t = {t}: distance {d} did not fall below {previous}");
            previous = d;
        }
        Assert.True(previous < 1e-8);
        // t = 0 is the prior: mean 0, covariance K_m.
        TrainedPrediction prior = TrainedEnsemble.Predict(m.Ntk, m.Nngp, Train, y, 0);
        Assert.All(prior.Mean, v => Assert.Equal(0.0, v));
        Assert.True(Matrix.MaxAbsDifference(prior.Covariance, m.Nngp) < 1e-14);
    }

    [Fact]
    public void RidgeIsExplicitAndReported()
    {
        var spec = new MlpSpec { InputDim = 3, Depth = 2 };
        (EnsembleKernels k, double[] y, _) = Problem(spec);
        MeanModeKernels m = k.MeanMode(new TrainingRule(1, 1, GammaRule.M));
        TrainedPrediction ridged = TrainedEnsemble.Predict(m.Ntk, m.Nngp, Train, y, double.PositiveInfinity, ridge: 0.5);
        Assert.Equal(0.5, ridged.Ridge);
        int[] train = Enumerable.Range(0, Train).ToArray();
        double[,] inverse = SymmetricEigen.Decompose(Matrix.Combine(1, Matrix.Sub(m.Ntk, train, train), 0.5, Matrix.Identity(Train))).Apply(l => 1 / l);
        double[] expected = Matrix.Multiply(Matrix.Multiply(Matrix.Sub(m.Ntk, train, train), inverse), y);
        for (int i = 0; i < Train; i++)
        {
            Assert.Equal(expected[i], ridged.Mean[i], 10);
        }
        // A singular train-train NTK (duplicated point) needs no ridge at finite time and is pseudo-inverted at infinity.
        double[,] dup = Matrix.Sub(m.Ntk, [0, 0, 1], [0, 0, 1]);
        double[,] dupK = Matrix.Sub(m.Nngp, [0, 0, 1], [0, 0, 1]);
        TrainedPrediction p = TrainedEnsemble.Predict(dup, dupK, 3, [1, 1, 2], double.PositiveInfinity);
        Assert.Equal(1, p.NullEigenvalues);
        Assert.Equal(1.0, p.Mean[0], 9);
        Assert.Equal(2.0, p.Mean[2], 9);
    }

    [Fact]
    public void IndependentRegimeVarianceFallsLikeOneOverMAndCollectiveRegimeHasAFloor()
    {
        var indep = new MlpSpec { InputDim = 3, Depth = 2, ULaw = new SignLaw(1), VLaw = new SignLaw(1) };
        (EnsembleKernels ki, double[] y, double[] yTest) = Problem(indep);
        int[] ms = [1, 2, 4, 8, 16];
        IReadOnlyList<ExpectedMse> curve = TrainedEnsemble.MseCurve(ki, new TrainingRule(1, 1, GammaRule.M), ms, Train, y, yTest, 5.0);
        foreach (ExpectedMse e in curve)
        {
            output.WriteLine($"independent M = {e.Members}: bias2 {e.Bias2:F6} variance {e.Variance:F6} mse {e.Mse:F6}");
            // U1 = 0 and gamma = M: Theta_m does not depend on M and K_m = Sigma_s/M, so bias is constant and M * variance is too.
            Assert.Equal(curve[0].Bias2, e.Bias2, 10);
            Assert.Equal(curve[0].Variance, e.Variance * e.Members, 10);
        }

        var coll = indep with { ULaw = new GaussLaw(1, 0.5), VLaw = new GaussLaw(1, 0.5) };
        (EnsembleKernels kc, _, _) = Problem(coll);
        IReadOnlyList<ExpectedMse> collective = TrainedEnsemble.MseCurve(kc, new TrainingRule(1, 1, GammaRule.One), [1, 4, 16, 64, 256, 1024], Train, y, yTest, 5.0);
        foreach (ExpectedMse e in collective)
        {
            output.WriteLine($"collective M = {e.Members}: bias2 {e.Bias2:F6} variance {e.Variance:F6} mse {e.Mse:F6}");
        }
        // K_m -> Sigma_c: the variance tends to a positive floor instead of 0 (M = 256 and 1024 differ by < 2%), and it falls monotonically.
        Assert.True(collective[^1].Variance > 0.1 * collective[0].Variance);
        Assert.True(Math.Abs(collective[^1].Variance - collective[^2].Variance) < 0.02 * collective[^1].Variance);
        for (int i = 1; i < collective.Count; i++)
        {
            Assert.True(collective[i].Variance < collective[i - 1].Variance);
        }
    }
}
