using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Training;

public class EnsembleTrainerTests
{
    public EnsembleTrainerTests() => T.Init();

    private static MlpSpec Spec(int members = 4) => new()
    {
        InputDim = 6, Width = 16, Depth = 2, OutputDim = 3, Members = members,
        ULaw = new GaussLaw(1, 0.5), VLaw = new SignLaw(1), MemberReadoutBias = true,
    };

    private static (Tensor X, Tensor Y) Teacher(long seed, int n, int d, int classes)
    {
        Tensor x = T.Randn(seed, n, d);
        Tensor w = T.Randn(seed + 1, d, classes);
        return (x, x.matmul(w).argmax(1));
    }

    [Theory]
    [InlineData("1", false)]
    [InlineData("sqrt(M)", false)]
    [InlineData("M", true)]
    public void UpdatesAreTheGroupLearningRatesTimesTheGradientOfTheSummedLoss(string gamma, bool mse)
    {
        using var scope = NewDisposeScope();
        var spec = Spec() with { OutputDim = mse ? 2 : 3 };
        using var model = new EnsembleMlp(spec, 4, ScalarType.Float64);
        using var reference = new EnsembleMlp(spec, 4, ScalarType.Float64);
        var (x, labels) = Teacher(9, 10, spec.InputDim, 3);
        Tensor y = mse ? T.Randn(10, 10, 2) : labels;
        var rule = new TrainingRule(MuW: 0.3, MuU: 0.05, GammaRule.Parse(gamma)) { Loss = mse ? LossKind.Mse : LossKind.CrossEntropy };

        // Manual autograd on an identical model: d/dtheta sum_a L_a.
        Tensor losses = EnsembleTrainer.MemberLosses(reference.ClassMajorOutputs(x), y, rule.Loss);
        losses.sum().backward();

        using var trainer = new EnsembleTrainer(model, rule);
        double expectedShared = 0.3 * GammaRule.Parse(gamma).Value(4) / 4;
        Assert.Equal(expectedShared, trainer.SharedLearningRate, 15);
        Parameter[] before = model.parameters().Select(p => new Parameter(p.detach().clone(), false)).ToArray();
        StepResult result = trainer.Step(x, y);
        Assert.Equal(T.D(losses), result.MemberLosses);
        Assert.Equal(T.D(losses).Sum(), result.SummedLoss, 12);

        Check(model.SharedParameters(), reference.SharedParameters(), expectedShared);
        Check(model.ModulationParameters(), reference.ModulationParameters(), 0.05);

        void Check(IEnumerable<Parameter> after, IEnumerable<Parameter> refs, double lr)
        {
            var a = after.ToArray();
            var r = refs.ToArray();
            Assert.NotEmpty(a);
            for (int i = 0; i < a.Length; i++)
            {
                int k = Array.FindIndex(model.parameters().ToArray(), p => p.Handle == a[i].Handle);
                Tensor delta = a[i] - before[k];
                Tensor grad = r[i].grad!;
                Assert.True(T.D(grad).Any(g => Math.Abs(g) > 1e-8), "gradient should be nonzero");
                T.Close(delta, -lr * grad, 1e-12);
            }
        }
    }

    // The losses the trainer differentiates and reports: member a's mean cross-entropy over the batch, or its half
    // squared error summed over outputs and averaged over the batch, written here from member-major outputs.
    [Theory]
    [InlineData(EnsembleFamily.BatchEnsemble, false)]
    [InlineData(EnsembleFamily.BatchEnsemble, true)]
    [InlineData(EnsembleFamily.Independent, false)]
    [InlineData(EnsembleFamily.Independent, true)]
    public void MemberLossesAreEachMembersCrossEntropyOrHalfSquaredError(EnsembleFamily family, bool mse)
    {
        using var scope = NewDisposeScope();
        var spec = Spec() with { Family = family, OutputDim = mse ? 2 : 3 };
        using var model = new EnsembleMlp(spec, 4, ScalarType.Float64);
        using (no_grad())
        {
            model.ReadoutBias?.copy_(T.Randn(12, 4, spec.OutputDim));
        }
        var (x, labels) = Teacher(9, 10, spec.InputDim, 3);
        Tensor y = mse ? T.Randn(10, 10, 2) : labels;

        double[] losses = T.D(EnsembleTrainer.MemberLosses(model.ClassMajorOutputs(x), y, mse ? LossKind.Mse : LossKind.CrossEntropy));

        Tensor outputs = model.MemberOutputs(x);
        for (int a = 0; a < 4; a++)
        {
            Tensor expected = mse
                ? 0.5 * (outputs[a] - y).pow(2).sum(1).mean()
                : nn.functional.cross_entropy(outputs[a], y);
            Assert.Equal(expected.item<double>(), losses[a], 12);
        }
        Assert.Contains("[M, D, B]", Assert.Throws<ArgumentException>(() => EnsembleTrainer.MemberLosses(outputs[0], y, LossKind.CrossEntropy)).Message);
    }

    [Fact]
    public void MomentumAndWeightDecayFollowTheHeavyBallRule()
    {
        using var scope = NewDisposeScope();
        var spec = Spec(2);
        using var model = new EnsembleMlp(spec, 1, ScalarType.Float64);
        var (x, y) = Teacher(3, 8, spec.InputDim, 3);
        var rule = new TrainingRule(0.2, 0.1, GammaRule.One) { Momentum = 0.9, WeightDecayShared = 0.01 };
        using var trainer = new EnsembleTrainer(model, rule);
        Parameter w = model.SharedParameters().First();
        Tensor w0 = w.detach().clone();
        trainer.Step(x, y);
        Tensor g0 = (w0 - w.detach()) / trainer.SharedLearningRate; // = grad0 + wd*w0
        Tensor w1 = w.detach().clone();
        using var probe = new EnsembleMlp(spec, 1, ScalarType.Float64);
        using (no_grad()) { foreach (var (p, q) in probe.parameters().Zip(model.parameters())) p.copy_(q); }
        EnsembleTrainer.MemberLosses(probe.ClassMajorOutputs(x), y, LossKind.CrossEntropy).sum().backward();
        Tensor d1 = probe.SharedParameters().First().grad! + 0.01 * w1;
        trainer.Step(x, y);
        T.Close(w.detach(), w1 - trainer.SharedLearningRate * (0.9 * g0 + d1), 1e-12);
    }

    [Fact]
    public void ASmallEmbeddedEnsembleLearnsAGeneratedTaskWithFlatMemory()
    {
        using var outer = NewDisposeScope();
        var spec = Spec() with { Width = 32 };
        using var model = new EnsembleMlp(spec, 7);
        var (x64, y) = Teacher(21, 64, spec.InputDim, 3);
        Tensor x = x64.to_type(ScalarType.Float32);
        using var trainer = new EnsembleTrainer(model, new TrainingRule(1.0, 0.1, GammaRule.M) { Momentum = 0.5 });
        double initial = trainer.Evaluate(x, y).MeanLoss;
        long live = 0;
        StepResult last = null!;
        for (int step = 1; step <= 200; step++)
        {
            last = trainer.Step(x, y);
            if (step == 5) live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        long liveAfter = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(live, liveAfter);
        double final = trainer.Evaluate(x, y).MeanLoss;
        Assert.True(final < 0.5 * initial, $"loss {initial} -> {final}");
        Assert.True(last.MemberLosses.All(double.IsFinite));
        Assert.Equal(200, trainer.Steps);
    }

    [Theory]
    [InlineData("1", 4, 1.0, "1")]
    [InlineData("M", 4, 4.0, "M")]
    [InlineData("m", 9, 9.0, "M")]
    [InlineData("sqrt(M)", 9, 3.0, "sqrt(M)")]
    [InlineData(" sqrt( M ) ", 4, 2.0, "sqrt(M)")]
    [InlineData("2.5", 7, 2.5, "2.5")]
    public void GammaRulesParseAndEvaluate(string text, int members, double value, string canonical)
    {
        GammaRule g = GammaRule.Parse(text);
        Assert.Equal(value, g.Value(members), 12);
        Assert.Equal(canonical, g.ToString());
        Assert.Equal(g, GammaRule.Parse(g.ToString()));
    }

    [Theory]
    [InlineData("N")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("")]
    public void BadGammaRulesAreRejected(string text) =>
        Assert.Contains("gamma rule", Assert.Throws<ArgumentException>(() => GammaRule.Parse(text)).Message);

    [Fact]
    public void BadRulesAndLabelsFailClearly()
    {
        using var scope = NewDisposeScope();
        using var model = new EnsembleMlp(Spec(), 1);
        Assert.Contains("momentum", Assert.Throws<ArgumentException>(() => new EnsembleTrainer(model, new TrainingRule(1, 1, GammaRule.One) { Momentum = 1 })).Message);
        Assert.Contains("mu_w", Assert.Throws<ArgumentException>(() => new EnsembleTrainer(model, new TrainingRule(-1, 1, GammaRule.One))).Message);
        using var trainer = new EnsembleTrainer(model, new TrainingRule(1, 1, GammaRule.One));
        Assert.Contains("labels", Assert.Throws<ArgumentException>(() => trainer.Step(zeros(4, 6), zeros(new long[] { 4, 3 }))).Message);
    }
}
