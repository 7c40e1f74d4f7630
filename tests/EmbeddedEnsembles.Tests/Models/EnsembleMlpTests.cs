using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Models;

public class EnsembleMlpTests
{
    public EnsembleMlpTests() => T.Init();

    private static MlpSpec Small(EnsembleFamily family = EnsembleFamily.BatchEnsemble) => new()
    {
        Family = family, InputDim = 5, Width = 7, Depth = 3, OutputDim = 3, Members = 4,
        ULaw = new GaussLaw(1, 0.5), VLaw = new SignLaw(1), Activation = Activation.Tanh,
        SigmaW = 1.3, SigmaB = 0.2, MemberReadoutBias = true,
    };

    [Fact]
    public void BatchEnsembleWithConstOneModulationsEqualsTheSingleSharedNetwork()
    {
        using var scope = NewDisposeScope();
        var spec = Small() with { ULaw = new ConstLaw(1), VLaw = new ConstLaw(1), MemberReadoutBias = false, Activation = Activation.Relu };
        using var ensemble = new EnsembleMlp(spec, seed: 11, ScalarType.Float64);
        using var single = new EnsembleMlp(spec with { Members = 1 }, seed: 11, ScalarType.Float64);
        for (int l = 0; l < spec.Depth; l++)
        {
            Assert.Equal(T.D(single.HiddenWeights[l]), T.D(ensemble.HiddenWeights[l]));
        }
        Tensor x = T.Randn(1, 9, spec.InputDim);
        Tensor f = ensemble.MemberOutputs(x);
        Tensor g = single.MemberOutputs(x)[0];
        Assert.Equal(new long[] { 4, 9, 3 }, f.shape);
        for (int a = 0; a < spec.Members; a++)
        {
            T.Close(f[a], g, 1e-12);
        }
    }

    [Theory]
    [InlineData(EnsembleFamily.BatchEnsemble, Parameterization.Ntk)]
    [InlineData(EnsembleFamily.BatchEnsemble, Parameterization.Standard)]
    [InlineData(EnsembleFamily.McDropout, Parameterization.Ntk)]
    [InlineData(EnsembleFamily.Independent, Parameterization.Ntk)]
    public void HandWrittenForwardFromRawParametersEqualsForward(EnsembleFamily family, Parameterization parameterization)
    {
        using var scope = NewDisposeScope();
        var spec = Small(family) with { Parameterization = parameterization };
        if (family == EnsembleFamily.McDropout)
        {
            spec = spec with { ULaw = new BernoulliLaw(0.7), VLaw = new ConstLaw(1) };
        }
        using var model = new EnsembleMlp(spec, seed: 5, ScalarType.Float64);
        using (no_grad())
        {
            model.ReadoutBias!.add_(T.Randn(3, spec.Members, spec.OutputDim)); // make the member bias visible
        }
        Tensor x = T.Randn(2, 6, spec.InputDim);
        bool ntk = parameterization == Parameterization.Ntk;
        var outs = new List<Tensor>();
        for (int a = 0; a < spec.Members; a++)
        {
            Tensor h = x;
            long fanIn = spec.InputDim;
            for (int l = 0; l < spec.Depth; l++)
            {
                Tensor w = model.HiddenWeights[l], b = model.HiddenBiases[l];
                if (family == EnsembleFamily.Independent) { w = w[a]; b = b[a]; }
                double sw = ntk ? spec.SigmaW / Math.Sqrt(fanIn) : 1, sb = ntk ? spec.SigmaB : 1;
                Tensor z = h.matmul(w.t()) * sw + b * sb;
                h = model.U[l][a] * spec.Activation.Forward(model.V[l][a] * z);
                fanIn = spec.Width;
            }
            Tensor wo = family == EnsembleFamily.Independent ? model.ReadoutWeight[a] : model.ReadoutWeight;
            double so = ntk ? spec.SigmaW / Math.Sqrt(spec.Width) : 1;
            outs.Add(h.matmul(wo.t()) * so + model.ReadoutBias![a]);
        }
        Tensor expected = cat(outs.ToArray(), 0); // member-major
        T.Close(model.forward(x), expected, 1e-12);
        if (family == EnsembleFamily.Independent)
        {
            Assert.Equal(new long[] { spec.Members, spec.Width, spec.InputDim }, model.HiddenWeights[0].shape);
            Assert.All(model.U, u => Assert.Equal(1.0, T.D(u).Distinct().Single()));
        }
        else
        {
            Assert.Equal(new long[] { spec.Width, spec.InputDim }, model.HiddenWeights[0].shape);
            Assert.Equal(new long[] { spec.OutputDim, spec.Width }, model.ReadoutWeight.shape);
        }
        Assert.All(model.U, u => Assert.Equal(new long[] { spec.Members, spec.Width }, u.shape));
    }

    [Fact]
    public void TraceOutputEqualsMemberOutputsAndRecordsPreActivationsBeforeV()
    {
        using var scope = NewDisposeScope();
        var spec = Small();
        using var model = new EnsembleMlp(spec, seed: 3, ScalarType.Float64);
        Tensor x = T.Randn(4, 5, spec.InputDim);
        EnsembleTrace trace = model.Trace(x);
        // The training path fuses the layer's passes (MemberForward): the same numbers up to rounding.
        T.Close(trace.Output, model.MemberOutputs(x), 1e-12);
        Assert.Equal(spec.Depth, trace.PreActivations.Count);
        for (int l = 0; l < spec.Depth; l++)
        {
            Assert.Equal(new long[] { spec.Members, 5, spec.Width }, trace.PreActivations[l].shape);
            Tensor expected = model.U[l].unsqueeze(1) * spec.Activation.Forward(model.V[l].unsqueeze(1) * trace.PreActivations[l]);
            T.Close(trace.Activations[l], expected, 1e-14);
        }
    }

    [Fact]
    public void VectorizedIndependentEnsembleEqualsTheReferenceLoop()
    {
        using var scope = NewDisposeScope();
        var spec = Small(EnsembleFamily.Independent);
        using var model = new EnsembleMlp(spec, seed: 8, ScalarType.Float64);
        Tensor x = T.Randn(5, 6, spec.InputDim);
        Tensor f = model.MemberOutputs(x);
        for (int a = 0; a < spec.Members; a++)
        {
            Tensor h = x;
            foreach (EnsembleLayer layer in model.Layers)
            {
                h = spec.Activation.Forward(((IndependentLinear)layer).MemberPreActivation(a, h));
            }
            T.Close(f[a], model.Readout.MemberForward(a, h), 1e-12);
        }
        // Distinct members really differ.
        Assert.True(T.MaxAbsDiff(f[0], f[1]) > 1e-3);
    }

    [Fact]
    public void TiledInputGivesTheSameOutputsAsTheSharedBatch()
    {
        using var scope = NewDisposeScope();
        var spec = Small();
        using var model = new EnsembleMlp(spec, seed: 2, ScalarType.Float64);
        Tensor x = T.Randn(6, 5, spec.InputDim);
        T.Close(model.ForwardTiled(MemberMajor.Tile(x, spec.Members)), model.forward(x), 1e-12);
        Assert.Equal(new long[] { spec.Members * 5, spec.OutputDim }, model.forward(x).shape);
    }

    [Fact]
    public void SameSeedSameModelAndFloat32MatchesFloat64()
    {
        using var scope = NewDisposeScope();
        var spec = Small();
        using var a = new EnsembleMlp(spec, 21);
        using var b = new EnsembleMlp(spec, 21);
        using var c = new EnsembleMlp(spec, 21, ScalarType.Float64);
        using var d = new EnsembleMlp(spec, 22);
        Assert.Equal(ScalarType.Float32, a.ReadoutWeight.dtype);
        Assert.Equal(ScalarType.Float64, c.ReadoutWeight.dtype);
        Tensor x = T.Randn(7, 4, spec.InputDim);
        T.Close(a.forward(x.to_type(ScalarType.Float32)), b.forward(x.to_type(ScalarType.Float32)), 0);
        T.Close(a.forward(x.to_type(ScalarType.Float32)), c.forward(x), 1e-4);
        Assert.True(T.MaxAbsDiff(a.HiddenWeights[0], d.HiddenWeights[0]) > 0.1);
        // The weights do not depend on the modulation law.
        using var e = new EnsembleMlp(spec with { ULaw = new SignLaw(2) }, 21);
        T.Close(a.HiddenWeights[1], e.HiddenWeights[1], 0);
    }

    [Theory]
    [InlineData(EnsembleFamily.BatchEnsemble)]
    [InlineData(EnsembleFamily.McDropout)]
    [InlineData(EnsembleFamily.Independent)]
    public void ParameterCountsSplitSharedAndPerMember(EnsembleFamily family)
    {
        var spec = Small(family) with { ULaw = family == EnsembleFamily.McDropout ? new BernoulliLaw(0.5) : new SignLaw(1), VLaw = family == EnsembleFamily.McDropout ? new ConstLaw(1) : new SignLaw(1) };
        using var model = new EnsembleMlp(spec, 1);
        ParameterCount count = model.Count();
        Assert.Equal(EnsembleMlp.Predict(spec), count);
        long network = 5 * 7 + 7 + 2 * (7 * 7 + 7) + 3 * 7;
        Assert.Equal(model.parameters().Sum(p => p.numel()), count.Total);
        switch (family)
        {
            case EnsembleFamily.BatchEnsemble:
                Assert.Equal(new ParameterCount(network, 2 * 3 * 7 + 3, 4), count);
                break;
            case EnsembleFamily.McDropout:
                Assert.Equal(new ParameterCount(network, 3, 4), count);
                break;
            default:
                Assert.Equal(new ParameterCount(0, network + 3, 4), count);
                break;
        }
        Assert.Equal(count.Shared + 4 * count.PerMember, count.Total);
    }

    [Fact]
    public void ParameterGroupsPartitionTheTrainableParameters()
    {
        using var model = new EnsembleMlp(Small(), 1);
        var all = model.parameters().Select(p => p.Handle).ToHashSet();
        var shared = model.SharedParameters().Select(p => p.Handle).ToList();
        var mods = model.ModulationParameters().Select(p => p.Handle).ToList();
        Assert.Equal(all.Count, shared.Count + mods.Count);
        Assert.True(all.SetEquals(shared.Concat(mods)));
        Assert.Equal(2 * 3 + 1, mods.Count);
    }

    [Fact]
    public void BadDescriptionsFailAtConstructionWithAClearMessage()
    {
        Assert.Contains("width", Assert.Throws<ArgumentException>(() => new EnsembleMlp(Small() with { Width = 0 }, 1)).Message);
        Assert.Contains("ensemble size", Assert.Throws<ArgumentException>(() => new EnsembleMlp(Small() with { Members = 0 }, 1)).Message);
        Assert.Contains("depth", Assert.Throws<ArgumentException>(() => new EnsembleMlp(Small() with { Depth = 0 }, 1)).Message);
        Assert.Contains("(0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => MlpSpec.McDropout(0)).Message);
        Assert.Contains("(0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => MlpSpec.McDropout(1.5)).Message);
        Assert.Contains("unknown activation", Assert.Throws<ArgumentException>(() => Small() with { Activation = Activation.Parse("swish") }).Message);
        Assert.Contains("bernoulli", Assert.Throws<ArgumentException>(() => new EnsembleMlp(Small(EnsembleFamily.McDropout), 1)).Message);
        Assert.Contains("float", Assert.Throws<ArgumentException>(() => new EnsembleMlp(Small(), 1, ScalarType.Int64)).Message);
    }

    [Fact]
    public void WrongInputShapeFailsClearly()
    {
        using var scope = NewDisposeScope();
        using var model = new EnsembleMlp(Small(), 1, ScalarType.Float64);
        Assert.Contains("[B, 5]", Assert.Throws<ArgumentException>(() => model.forward(T.Randn(1, 3, 4))).Message);
    }
}
