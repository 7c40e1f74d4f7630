using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Layers;

public class ConvLayerTests
{
    public ConvLayerTests() => T.Init();

    private static readonly EnsembleLayerOptions Options = new(3, Activation.Tanh, Parameterization.Ntk, 1.4, 0.3) { DType = ScalarType.Float64 };

    [Fact]
    public void BatchEnsembleConvEqualsPerMemberConvolutionWithModulatedKernels()
    {
        using var scope = NewDisposeScope();
        using var gw = new torch.Generator(1);
        using var gm = new torch.Generator(2);
        using var layer = new BatchEnsembleConv2d("c", 2, 4, 3, Options, new GaussLaw(1, 0.5), new SignLaw(1), true, false, gw, gm);
        Tensor x = T.Randn(3, 5, 2, 6, 6);             // one image batch
        Tensor r = T.Randn(4, 3, 2).abs();               // previous layer's u, per member and input channel
        // Member a sees x scaled by r_a on its input channels (as after a previous BatchEnsemble layer).
        Tensor xm = x.unsqueeze(0) * r.view(3, 1, 2, 1, 1);
        Tensor got = MemberMajorSplit(layer.forward(MemberMajor.Merge(xm)));
        double s = 1.4 / Math.Sqrt(2 * 9);
        for (int a = 0; a < 3; a++)
        {
            // W_a = diag(v_a) W diag(r_a): output channels by v, input channels by r.
            Tensor wa = layer.Weight * layer.V[a].view(4, 1, 1, 1) * r[a].view(1, 2, 1, 1) * s;
            Tensor ba = layer.Bias * layer.V[a] * 0.3;
            Tensor expected = layer.U[a].view(1, 4, 1, 1) * functional.conv2d(x, wa, ba, padding: [1, 1]).tanh();
            T.Close(got[a], expected, 1e-12);
        }
    }

    private static Tensor MemberMajorSplit(Tensor t) => MemberMajor.Split(t, 3);

    [Fact]
    public void SharedInputFirstLayerBroadcastsTheUntiledBatch()
    {
        using var scope = NewDisposeScope();
        using var gw = new torch.Generator(1);
        using var gm = new torch.Generator(2);
        using var gw2 = new torch.Generator(1);
        using var gm2 = new torch.Generator(2);
        using var first = new BatchEnsembleConv2d("c", 2, 4, 3, Options, new GaussLaw(1, 0.5), new SignLaw(1), true, true, gw, gm);
        using var inner = new BatchEnsembleConv2d("c", 2, 4, 3, Options, new GaussLaw(1, 0.5), new SignLaw(1), true, false, gw2, gm2);
        Tensor x = T.Randn(3, 5, 2, 6, 6);
        Tensor a = first.forward(x);
        Assert.Equal(new long[] { 15, 4, 6, 6 }, a.shape);
        T.Close(a, inner.forward(MemberMajor.Tile(x, 3)), 1e-12);
    }

    [Fact]
    public void GroupedIndependentConvolutionEqualsTheLoop()
    {
        using var scope = NewDisposeScope();
        using var gw = new torch.Generator(4);
        using var layer = new IndependentConv2d("c", 2, 4, 3, Options, false, gw);
        Tensor x = T.Randn(5, 3, 5, 2, 6, 6); // different inputs per member
        Tensor z = layer.PreActivation(x);
        Assert.Equal(new long[] { 3, 5, 4, 6, 6 }, z.shape);
        for (int a = 0; a < 3; a++)
        {
            T.Close(z[a], layer.MemberPreActivation(a, x[a]), 1e-12);
        }
        Tensor shared = T.Randn(6, 5, 2, 6, 6);
        Tensor zs = layer.PreActivation(shared);
        for (int a = 0; a < 3; a++)
        {
            T.Close(zs[a], layer.MemberPreActivation(a, shared), 1e-12);
        }
    }

    [Fact]
    public void VectorizedIndependentLinearEqualsTheLoopForPerMemberInputs()
    {
        using var scope = NewDisposeScope();
        using var gw = new torch.Generator(4);
        using var layer = new IndependentLinear("l", 5, 7, Options, false, gw);
        Tensor x = T.Randn(8, 3, 4, 5);
        Tensor z = layer.PreActivation(x);
        for (int a = 0; a < 3; a++)
        {
            T.Close(z[a], layer.MemberPreActivation(a, x[a]), 1e-12);
        }
    }

    [Fact]
    public void BadLayerArgumentsFailClearly()
    {
        using var g = new torch.Generator(1);
        Assert.Contains("odd", Assert.Throws<ArgumentException>(() => new BatchEnsembleConv2d("c", 2, 4, 2, Options, new SignLaw(1), new SignLaw(1), true, true, g, g)).Message);
        Assert.Contains("width", Assert.Throws<ArgumentException>(() => new BatchEnsembleLinear("l", 2, 0, Options, new SignLaw(1), new SignLaw(1), true, true, g, g)).Message);
        Assert.Contains("ensemble size", Assert.Throws<ArgumentException>(() => new IndependentLinear("l", 2, 3, Options with { Members = 0 }, true, g)).Message);
    }
}
