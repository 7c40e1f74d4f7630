using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Layers;

public class ReadoutTests
{
    public ReadoutTests() => T.Init();

    // The readout computes x W^T as (W x^T)^T (faster with few outputs): outputs and every gradient must be those
    // of s_w x W^T + c_a, for a shared and for a per-member W.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadoutIsScaledXTimesWTransposedWithItsGradients(bool perMemberWeights)
    {
        using var scope = NewDisposeScope();
        var options = new EnsembleLayerOptions(3, Activation.Relu, Parameterization.Ntk, 1.4, 0.3) { DType = ScalarType.Float64 };
        using var gw = new torch.Generator(4);
        using var readout = new EnsembleReadout("r", 5, 7, options, perMemberWeights, memberBias: true, gw);
        using (no_grad())
        {
            readout.MemberBias!.copy_(T.Randn(2, 3, 7));
        }
        Tensor x = T.Randn(1, 3, 4, 5).requires_grad_(true);
        Tensor upstream = T.Randn(3, 3, 4, 7);

        Tensor f = readout.forward(x);
        Assert.Equal(new long[] { 3, 4, 7 }, f.shape);
        Tensor wt = perMemberWeights ? readout.Weight.transpose(1, 2) : readout.Weight.t();
        Tensor expected = (1.4 / Math.Sqrt(5)) * x.matmul(wt) + readout.MemberBias!.unsqueeze(1);
        T.Close(f, expected, 1e-12);

        Tensor[] inputs = [x, readout.Weight, readout.MemberBias!];
        Tensor[] grads = torch.autograd.grad([f], inputs, [upstream]).ToArray();
        Tensor[] expectedGrads = torch.autograd.grad([expected], inputs, [upstream]).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            T.Close(grads[i], expectedGrads[i], 1e-12);
        }
    }

    // The training step reads the class-major form and evaluation the member-major one: the same numbers, the same
    // memory (the one is a view of the other), so a loss gives the same bits whichever form it starts from.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ClassMajorOutputsAreTheMemberOutputsWithClassesAsTheMiddleAxis(bool perMemberWeights)
    {
        using var scope = NewDisposeScope();
        var options = new EnsembleLayerOptions(3, Activation.Relu, Parameterization.Ntk, 1.4, 0.3);
        using var gw = new torch.Generator(4);
        using var readout = new EnsembleReadout("r", 5, 7, options, perMemberWeights, memberBias: true, gw);
        using (no_grad())
        {
            readout.MemberBias!.copy_(T.Randn(2, 3, 7).to_type(ScalarType.Float32));
        }
        Tensor x = T.Randn(1, 3, 4, 5).to_type(ScalarType.Float32);

        Tensor classMajor = readout.ClassMajor(x);
        Tensor memberMajor = readout.forward(x);
        Assert.Equal(new long[] { 3, 7, 4 }, classMajor.shape);
        Assert.Equal(T.D(memberMajor.transpose(1, 2)), T.D(classMajor));
        Assert.Equal(classMajor.stride(), memberMajor.transpose(1, 2).stride());
        Assert.Contains("[3, B, 5]", Assert.Throws<ArgumentException>(() => readout.ClassMajor(T.Randn(3, 2, 4, 5))).Message);
    }
}
