using EEArtifacts.EmbeddedEnsembles.Tests.Support;
using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.EmbeddedEnsembles.Tests.Layers;

public class LinearLayerTests
{
    public LinearLayerTests() => T.Init();

    public static TheoryData<string, bool> Cases => new()
    {
        { "relu", true }, { "relu", false }, { "tanh", true }, { "tanh", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchEnsembleMemberForwardIsTheLayerFormulaWithItsGradients(string activation, bool sharedInput)
    {
        using var scope = NewDisposeScope();
        var options = new EnsembleLayerOptions(3, Activation.Parse(activation), Parameterization.Ntk, 1.4, 0.3) { DType = ScalarType.Float64 };
        using var gw = new torch.Generator(1);
        using var gm = new torch.Generator(2);
        using var layer = new BatchEnsembleLinear("l", 5, 7, options, new GaussLaw(1, 0.5), new SignLaw(1), true, sharedInput, gw, gm);
        Tensor x = (sharedInput ? T.Randn(3, 4, 5) : T.Randn(3, 3, 4, 5)).requires_grad_(true);
        Tensor upstream = T.Randn(4, 3, 4, 7);

        Tensor fused = layer.MemberForward(x);
        // x_a = u_a * phi(v_a * (s_w x W^T + s_b b)), member by member.
        double s = 1.4 / Math.Sqrt(5);
        for (int a = 0; a < 3; a++)
        {
            Tensor xa = sharedInput ? x : x[a];
            Tensor expected = layer.U[a] * options.Activation.Forward(layer.V[a] * (s * xa.matmul(layer.Weight.t()) + 0.3 * layer.Bias));
            T.Close(fused[a], expected, 1e-12);
        }

        // Training runs through the fused pass: its gradients must be those of the two-halves computation.
        Tensor[] inputs = [x, layer.Weight, layer.Bias, layer.U, layer.V];
        Tensor[] fusedGrads = torch.autograd.grad([fused], inputs, [upstream]).ToArray();
        Tensor[] plainGrads = torch.autograd.grad([layer.Activate(layer.PreActivation(x))], inputs, [upstream]).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            T.Close(fusedGrads[i], plainGrads[i], 1e-12);
        }
    }

    [Fact]
    public void VectorizedIndependentLinearEqualsTheLoopForASharedInput()
    {
        using var scope = NewDisposeScope();
        var options = new EnsembleLayerOptions(3, Activation.Tanh, Parameterization.Ntk, 1.4, 0.3) { DType = ScalarType.Float64 };
        using var gw = new torch.Generator(4);
        using var layer = new IndependentLinear("l", 5, 7, options, true, gw);
        Tensor x = T.Randn(8, 4, 5);
        Tensor z = layer.PreActivation(x);
        for (int a = 0; a < 3; a++)
        {
            T.Close(z[a], layer.MemberPreActivation(a, x), 1e-12);
        }
    }

    [Fact]
    public void AnInputOfTheWrongShapeFailsWithTheExpectedShapes()
    {
        var options = new EnsembleLayerOptions(3, Activation.Relu, Parameterization.Ntk, 1.4, 0.3);
        using var gw = new torch.Generator(1);
        using var gm = new torch.Generator(2);
        using var layer = new BatchEnsembleLinear("hidden1", 5, 7, options, new SignLaw(1), new SignLaw(1), true, false, gw, gm);
        using Tensor wrongMembers = zeros(2, 4, 5);
        using Tensor wrongFeatures = zeros(3, 4, 6);
        Assert.Equal("hidden1: expected input [B, 5] or [3, B, 5], got [2, 4, 5]", Assert.Throws<ArgumentException>(() => layer.MemberForward(wrongMembers)).Message);
        Assert.Contains("got [3, 4, 6]", Assert.Throws<ArgumentException>(() => layer.PreActivation(wrongFeatures)).Message);
    }
}
