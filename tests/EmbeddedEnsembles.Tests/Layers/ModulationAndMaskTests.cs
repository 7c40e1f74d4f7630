using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Layers;

public class ModulationAndMaskTests
{
    public ModulationAndMaskTests() => T.Init();

    public static TheoryData<string> Laws => new() { "sign(1)", "sign(0.7)", "const(1)", "const(-2)", "gauss(1,0.5)", "gauss(0,1)", "gauss(-0.3,2)", "bernoulli(0.5)", "bernoulli(0.9)", "bernoulli(1)" };

    [Theory]
    [MemberData(nameof(Laws))]
    public void SampleMomentsMatchTheExactMoments(string text)
    {
        using var scope = NewDisposeScope();
        ModulationLaw law = ModulationLaw.Parse(text);
        using var g = new torch.Generator(123);
        const int n = 200_000;
        double[] s = T.D(law.Sample([n], g));
        double tolerance(double variance) => 6 * Math.Sqrt(Math.Max(variance, 0) / n) + 1e-9;
        double varX = law.SecondMoment - law.Mean * law.Mean;
        Assert.InRange(s.Average(), law.Mean - tolerance(varX), law.Mean + tolerance(varX));
        double m2 = s.Average(v => v * v);
        double varX2 = s.Average(v => Math.Pow(v, 4)) - m2 * m2;
        Assert.InRange(m2, law.SecondMoment - tolerance(varX2), law.SecondMoment + tolerance(varX2));
        double pos = s.Average(v => Math.Max(v, 0));
        Assert.InRange(pos, law.PositiveMean - tolerance(law.SecondMoment), law.PositiveMean + tolerance(law.SecondMoment));
        double neg = s.Average(v => Math.Max(-v, 0));
        Assert.InRange(neg, law.NegativeMean - tolerance(law.SecondMoment), law.NegativeMean + tolerance(law.SecondMoment));
        double nz = s.Average(v => v != 0 ? 1.0 : 0.0);
        Assert.InRange(nz, law.NonzeroProbability - tolerance(0.25), law.NonzeroProbability + tolerance(0.25));
        Assert.Equal(law, ModulationLaw.Parse(law.ToString()));
    }

    [Theory]
    [MemberData(nameof(Laws))]
    public void SamplingIsReproducibleFromTheGenerator(string text)
    {
        using var scope = NewDisposeScope();
        ModulationLaw law = ModulationLaw.Parse(text);
        using var g1 = new torch.Generator(77);
        using var g2 = new torch.Generator(77);
        Assert.Equal(T.D(law.Sample([4, 50], g1)), T.D(law.Sample([4, 50], g2)));
        // The second draw from one generator differs from the first (except for constant laws).
        using var g3 = new torch.Generator(77);
        double[] first = T.D(law.Sample([4, 50], g3)), second = T.D(law.Sample([4, 50], g3));
        if (law is not ConstLaw and not BernoulliLaw { P: 1 }) Assert.NotEqual(first, second);
    }

    private static MlpSpec Mcd(double p) => MlpSpec.McDropout(p) with { InputDim = 4, Width = 64, Depth = 2, OutputDim = 2, Members = 5 };

    [Fact]
    public void McDropoutMasksAreFixedBuffersReproducibleFromTheSeedAndDifferAcrossMembers()
    {
        using var scope = NewDisposeScope();
        using var a = new EnsembleMlp(Mcd(0.5), 9, ScalarType.Float64);
        using var b = new EnsembleMlp(Mcd(0.5), 9, ScalarType.Float64);
        using var c = new EnsembleMlp(Mcd(0.5), 10, ScalarType.Float64);
        Tensor x = T.Randn(1, 6, 4);
        T.Close(a.forward(x), a.forward(x), 0);           // identical on every call
        T.Close(a.forward(x), b.forward(x), 0);           // identical across runs with one seed
        for (int l = 0; l < 2; l++)
        {
            Assert.Equal(T.D(a.U[l]), T.D(b.U[l]));
            Assert.NotEqual(T.D(a.U[l]), T.D(c.U[l]));
            Assert.All(T.D(a.U[l]), v => Assert.True(v == 0 || v == 2));
            Assert.All(T.D(a.V[l]), v => Assert.Equal(1, v));
            for (int m = 1; m < 5; m++) Assert.NotEqual(T.D(a.U[l][0]), T.D(a.U[l][m]));
        }
        // Masks are buffers, never parameters, and not trained.
        Assert.Empty(a.ModulationParameters());
        var parameterNames = a.named_parameters().Select(p => p.name).ToList();
        Assert.DoesNotContain(parameterNames, n => n.EndsWith(".u") || n.EndsWith(".v"));
        var bufferNames = a.named_buffers().Select(p => p.name).ToList();
        Assert.Contains("hidden.0.u", bufferNames);
        Assert.All(a.U, u => Assert.False(u.requires_grad));
    }

    [Fact]
    public void KeepProbabilityOneIsTheSharedNetwork()
    {
        using var scope = NewDisposeScope();
        using var mcd = new EnsembleMlp(Mcd(1), 3, ScalarType.Float64);
        Tensor f = mcd.MemberOutputs(T.Randn(2, 5, 4));
        for (int m = 1; m < 5; m++) T.Close(f[m], f[0], 1e-12);
    }
}
