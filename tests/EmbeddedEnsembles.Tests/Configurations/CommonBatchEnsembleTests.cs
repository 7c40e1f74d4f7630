using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Configurations;
using EmbeddedEnsembles.Metrics;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Training;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Configurations;

/// <summary>The common BatchEnsemble layer y = ((x * r) W^T) * s + b_a against this project's u/v form.</summary>
public class CommonBatchEnsembleTests
{
    public CommonBatchEnsembleTests() => T.Init();

    private const int Members = 3, In = 5, Width = 7, Classes = 4;

    private static MlpSpec Spec(Parameterization parameterization) => EnsembleConfigurations.Common.Spec(In, Width, depth: 2, Classes, Members)
        with { Parameterization = parameterization };

    private static EnsembleMlp Model(MlpSpec spec, long seed = 11)
    {
        var model = new EnsembleMlp(spec, seed, ScalarType.Float64);
        using var noGrad = no_grad();
        using var bias = T.Randn(seed + 1, Members, Classes);
        model.ReadoutBias!.copy_(bias); // a nonzero member readout bias, so the mapping of c is checked too
        return model;
    }

    [Theory]
    [InlineData(Parameterization.Ntk)]
    [InlineData(Parameterization.Standard)]
    public void TheProjectNetworkIsACommonNetworkWithTheSameOutputs(Parameterization parameterization)
    {
        using var scope = NewDisposeScope();
        using EnsembleMlp model = Model(Spec(parameterization));
        using CommonBatchEnsemble common = CommonBatchEnsemble.FromProject(model);
        Tensor x = T.Randn(5, 6, In);

        T.Close(common.MemberOutputs(x), model.MemberOutputs(x), 1e-12);
        Assert.Equal(3, common.Layers.Count);
        T.Close(common.Layers[0].R, ones(Members, In, dtype: ScalarType.Float64), 0);
        T.Close(common.Layers[1].R, model.U[0], 0); // layer 2's input fast weight is layer 1's u
        T.Close(common.Layers[0].S, model.V[0], 0);
        T.Close(common.Layers[0].Weight, model.HiddenWeights[0] * model.WeightScale(1), 0);
    }

    [Fact]
    public void McDropoutMapsToo()
    {
        using var scope = NewDisposeScope();
        MlpSpec spec = EnsembleConfigurations.McDropout.Spec(In, Width, depth: 2, Classes, Members);
        using var model = new EnsembleMlp(spec, 3, ScalarType.Float64);
        using CommonBatchEnsemble common = CommonBatchEnsemble.FromProject(model);
        Tensor x = T.Randn(6, 4, In);

        T.Close(common.MemberOutputs(x), model.MemberOutputs(x), 1e-12);
    }

    [Theory]
    [InlineData(Parameterization.Ntk)]
    [InlineData(Parameterization.Standard)]
    public void ARepresentableCommonNetworkWritesIntoTheProjectFormExactly(Parameterization parameterization)
    {
        using var scope = NewDisposeScope();
        // A common network with r^1 = 1, readout s = 1 and hidden biases s_a * c: random weights, fast weights and c.
        var layers = new List<CommonLayer>();
        long[] fanIn = { In, Width, Width }, fanOut = { Width, Width, Classes };
        for (int l = 0; l < 3; l++)
        {
            Tensor w = T.Randn(20 + l, fanOut[l], fanIn[l]) / Math.Sqrt(fanIn[l]);
            Tensor r = l == 0 ? ones(Members, fanIn[l], dtype: ScalarType.Float64) : T.Randn(30 + l, Members, fanIn[l]) * 0.5 + 1;
            Tensor s = l == 2 ? ones(Members, fanOut[l], dtype: ScalarType.Float64) : T.Randn(40 + l, Members, fanOut[l]) * 0.5 + 1;
            Tensor b = l == 2 ? T.Randn(50 + l, Members, fanOut[l]) : s * T.Randn(60 + l, 1, fanOut[l]);
            layers.Add(new CommonLayer(w, r, s, b));
        }
        CommonBatchEnsemble common = CommonBatchEnsemble.Of(layers, Activation.Relu);
        using EnsembleMlp model = Model(Spec(parameterization), seed: 99);

        common.WriteInto(model);

        Tensor x = T.Randn(7, 5, In);
        T.Close(model.MemberOutputs(x), common.MemberOutputs(x), 1e-12);
    }

    [Fact]
    public void FreePerMemberHiddenBiasesAreNotRepresentable()
    {
        using var scope = NewDisposeScope();
        using EnsembleMlp model = Model(Spec(Parameterization.Standard));
        using CommonBatchEnsemble mapped = CommonBatchEnsemble.FromProject(model);
        var layers = mapped.Layers.ToList();
        layers[0] = layers[0] with { Bias = T.Randn(70, Members, Width) };
        CommonBatchEnsemble common = CommonBatchEnsemble.Of(layers, Activation.Relu);

        var e = Assert.Throws<ArgumentException>(() => common.WriteInto(model));
        Assert.StartsWith("layer 1: a per-member bias must be s_a * c with one c for all members", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The common training step: cross-entropy averaged over all M*B rows, SGD at eta on W, r, s and the readout bias.
    /// This project's step with the common configuration's rule (gamma = 1, mu_w = eta, mu_u = eta/M, standard
    /// parameterization) moves them identically. Hidden biases start at 0 and are left out: the project trains one
    /// shared b, the common form one per member (see <see cref="CommonBatchEnsemble"/>).
    /// </summary>
    [Fact]
    public void OneSgdStepOnTheMeanOverRowsIsTheCommonConfigurationsRule()
    {
        using var scope = NewDisposeScope();
        const double eta = 0.3;
        MlpSpec spec = Spec(Parameterization.Standard) with { SigmaB = 0 };
        using EnsembleMlp model = Model(spec);
        Tensor x = T.Randn(8, 6, In);
        Tensor y = tensor(new long[] { 0, 1, 2, 3, 1, 2 });

        // The common form's step, by autograd on its own leaves.
        using CommonBatchEnsemble before = CommonBatchEnsemble.FromProject(model);
        var trained = new List<Tensor>();
        var leaves = before.Layers.Select((l, i) => new CommonLayer(
            Leaf(l.Weight, trained),
            i == 0 ? l.R : Leaf(l.R, trained),                 // the u/v form has no input modulation
            i == before.Layers.Count - 1 ? l.S : Leaf(l.S, trained), // nor an output modulation on the logits
            i == before.Layers.Count - 1 ? Leaf(l.Bias, trained) : l.Bias)).ToList();
        CommonBatchEnsemble common = CommonBatchEnsemble.Of(leaves, Activation.Relu);
        Tensor logits = common.MemberOutputs(x);
        Tensor rows = logits.reshape(Members * 6, Classes);
        Tensor loss = nn.functional.cross_entropy(rows, y.repeat(Members)); // mean over the M*B rows
        loss.backward();
        using (no_grad())
        {
            foreach (Tensor p in trained) p.sub_(p.grad!.mul(eta));
        }

        // This project's step.
        TrainingRule rule = EnsembleConfigurations.Common.Rule(eta, Members, momentum: 0);
        Assert.Equal((eta, eta / Members, "1"), (rule.MuW, rule.MuU, rule.Gamma.ToString()));
        using (var trainer = new EnsembleTrainer(model, rule))
        {
            trainer.Step(x, y);
        }
        using CommonBatchEnsemble after = CommonBatchEnsemble.FromProject(model);

        for (int l = 0; l < common.Layers.Count; l++)
        {
            T.Close(after.Layers[l].Weight, common.Layers[l].Weight, 1e-12);
            T.Close(after.Layers[l].R, common.Layers[l].R, 1e-12);
            T.Close(after.Layers[l].S, common.Layers[l].S, 1e-12);
        }
        T.Close(after.Layers[^1].Bias, common.Layers[^1].Bias, 1e-12);
        Assert.True(T.MaxAbsDiff(after.Layers[0].Weight, before.Layers[0].Weight) > 1e-6, "the step moved the weights");
    }

    private static Tensor Leaf(Tensor t, List<Tensor> trained)
    {
        Tensor leaf = t.detach().clone().requires_grad_(true);
        trained.Add(leaf);
        return leaf;
    }

    [Fact]
    public void EffectiveWeightsAreTheWeightsScaledByTheFastWeights()
    {
        using var scope = NewDisposeScope();
        MlpSpec spec = EnsembleConfigurations.IndependentRegime.Spec(In, Width, depth: 2, Classes, Members);
        using var model = new EnsembleMlp(spec, 5, ScalarType.Float64);
        Tensor w = CommonBatchEnsemble.EffectiveWeights(model);

        long p = Width * In + Width * Width + Classes * Width;
        Assert.Equal(new long[] { Members, p }, w.shape);
        // Member 2, layer 2, entry (j, k) = v_2[j] * s_w W[j, k] * u^1_2[k].
        int j = 3, k = 5;
        double expected = model.V[1][2, j].item<double>() * model.WeightScale(2) * model.HiddenWeights[1][j, k].item<double>() * model.U[0][2, k].item<double>();
        Assert.Equal(expected, w[2, Width * In + j * Width + k].item<double>(), 14);
        // Sign laws: members' effective weights differ by random signs, so their cosine is far from 1.
        Assert.InRange(DiversityMetrics.MeanPairwiseCosine(w), -0.3, 0.3);

        using var identical = new EnsembleMlp(spec with { ULaw = new ConstLaw(1), VLaw = new ConstLaw(1) }, 5, ScalarType.Float64);
        Assert.Equal(1, DiversityMetrics.MeanPairwiseCosine(CommonBatchEnsemble.EffectiveWeights(identical)), 12);
    }
}
