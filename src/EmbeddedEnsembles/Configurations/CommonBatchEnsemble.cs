using EmbeddedEnsembles.Layers;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Runtime;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Configurations;

/// <summary>
/// One layer of the common BatchEnsemble form (torch-uncertainty's BatchLinear, Wen et al. 2020): member a computes
/// y_a = ((x_a * r_a) W^T) * s_a + b_a, with a shared weight W [out, in], fast weights r [M, in] and s [M, out] and a
/// per-member bias b [M, out]. Hidden layers apply phi to y; the last layer's y are the logits.
/// </summary>
/// <param name="Weight">W [out, in]: the forward weight (no further scale).</param>
/// <param name="R">Input-side fast weights r [M, in].</param>
/// <param name="S">Output-side fast weights s [M, out].</param>
/// <param name="Bias">Per-member bias b [M, out].</param>
public sealed record CommonLayer(Tensor Weight, Tensor R, Tensor S, Tensor Bias);

/// <summary>
/// The common BatchEnsemble form of an MLP and its exact correspondence with this project's u/v form
/// (THEORY.md section 1: x_a = u_a * phi(v_a * z), z = s_w x W^T + s_b b, readout f_a = s_w x_a W^T + c_a).
/// <para>
/// Project to common (always exact): W_c^l = s_w^l W^l; r^1 = 1, r^l = u^{l-1} for l &gt;= 2 (an input-side fast weight of
/// layer l is the output-side u of layer l-1); s^l = v^l; b_a^l = v_a^l * (s_b b^l). Readout: W_c = s_w W, r = u^L, s = 1,
/// b_a = c_a (0 without member bias). The NTK factors s_w and s_b move into W_c and b, so the two forms compute the same
/// function for both parameterizations.
/// </para>
/// <para>
/// Common to project (<see cref="WriteInto"/>) is exact for the common networks of that form only: first-layer r = 1,
/// readout s = 1, and hidden biases b_a = s_a * c with one c shared by the members (zero biases qualify). A general
/// common network has free per-member hidden biases, which the u/v form does not hold; that is the one difference
/// between <see cref="EnsembleConfigurations.Common"/> and the code it follows.
/// </para>
/// <para>
/// Training: the common loss is the mean over all M*B rows, (1/M) sum_a L_a, with SGD at eta on every parameter. Under
/// the standard parameterization (s_w = s_b = 1, raw weights = forward weights) one such step moves W, r, s and the
/// readout bias exactly as this project's rule with gamma = 1, mu_w = eta and mu_u = eta/M
/// (<see cref="LossAveraging.MeanOverRows"/>); under the NTK parameterization it would need mu_w^l = eta N_{l-1}/sigma_w^2
/// per layer, which one TrainingRule cannot express. The hidden bias is where the forms differ in training: the project
/// trains one shared b (gradient sum_a v_a * g_a), the common form one b_a per member.
/// </para>
/// </summary>
public sealed class CommonBatchEnsemble : IDisposable
{
    private CommonBatchEnsemble(IReadOnlyList<CommonLayer> layers, Descriptions.Activation activation)
    {
        Layers = layers;
        Activation = activation;
    }

    /// <summary>The layers, first hidden layer first, readout last.</summary>
    public IReadOnlyList<CommonLayer> Layers { get; }

    /// <summary>The nonlinearity of the hidden layers.</summary>
    public Descriptions.Activation Activation { get; }

    /// <summary>Ensemble size M.</summary>
    public int Members => (int)Layers[0].R.shape[0];

    /// <summary>A common form from its layers (the tensors are used as given, not copied).</summary>
    public static CommonBatchEnsemble Of(IReadOnlyList<CommonLayer> layers, Descriptions.Activation activation)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(activation);
        if (layers.Count < 2) throw new ArgumentException("a common-form MLP needs at least one hidden layer and a readout");
        return new CommonBatchEnsemble(layers.ToArray(), activation);
    }

    /// <summary>The common form of a BatchEnsemble or MC-dropout <paramref name="model"/>, in float64 (copies, no gradients).</summary>
    public static CommonBatchEnsemble FromProject(EnsembleMlp model)
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireSharedWeights(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int m = model.Members;
        var layers = new List<CommonLayer>();
        Tensor r = ones(m, model.Spec.InputDim, dtype: ScalarType.Float64);
        foreach (EnsembleLayer layer in model.Layers)
        {
            Tensor v = F64(layer.V);
            Tensor bias = F64(layer.Bias).MulBy(layer.BiasScale).unsqueeze(0).mul(v);
            layers.Add(new CommonLayer(F64(layer.Weight).MulBy(layer.WeightScale), r, v, bias));
            r = F64(layer.U);
        }
        EnsembleReadout readout = model.Readout;
        Tensor readoutBias = readout.MemberBias is { } c ? F64(c) : zeros(m, readout.OutFeatures, dtype: ScalarType.Float64);
        layers.Add(new CommonLayer(F64(readout.Weight).MulBy(readout.WeightScale), r,
            ones(m, readout.OutFeatures, dtype: ScalarType.Float64), readoutBias));
        foreach (CommonLayer layer in layers)
        {
            foreach (Tensor t in new[] { layer.Weight, layer.R, layer.S, layer.Bias })
            {
                t.MoveToOuterDisposeScope();
            }
        }
        return new CommonBatchEnsemble(layers, model.Spec.Activation);
    }

    /// <summary>
    /// Writes this common network into <paramref name="model"/> (same shapes; BatchEnsemble family for non-unit r, s),
    /// exactly: throws an <see cref="ArgumentException"/> when the network is not of the representable form (see the
    /// class remarks) beyond <paramref name="tolerance"/>.
    /// </summary>
    public void WriteInto(EnsembleMlp model, double tolerance = 1e-12)
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireSharedWeights(model);
        using var scope = NewDisposeScope();
        if (model.Layers.Count + 1 != Layers.Count || model.Members != Members)
        {
            throw new ArgumentException($"the model has {model.Layers.Count} hidden layers and M = {model.Members}; this network has {Layers.Count - 1} and M = {Members}");
        }
        RequireNear(Layers[0].R, 1, tolerance, "the first layer's r must be 1 (the u/v form has no input modulation)");
        RequireNear(Layers[^1].S, 1, tolerance, "the readout's s must be 1 (the u/v form has no output modulation)");
        using var noGrad = no_grad();
        for (int l = 0; l < model.Layers.Count; l++)
        {
            EnsembleLayer layer = model.Layers[l];
            CommonLayer common = Layers[l];
            // b_a = s_a * c with one c for all members: c from member 0, checked on every member.
            Tensor c = common.Bias[0].div(common.S[0]);
            using (Tensor rebuilt = common.S.mul(c.unsqueeze(0)))
            {
                RequireNear(rebuilt.sub(common.Bias), 0, tolerance, $"layer {l + 1}: a per-member bias must be s_a * c with one c for all members");
            }
            if (layer.BiasScale == 0)
            {
                RequireNear(c, 0, tolerance, $"layer {l + 1}: the model's bias scale is 0, so the bias must be 0");
            }
            Copy(layer.Weight, common.Weight.DivBy(layer.WeightScale));
            Copy(layer.Bias, layer.BiasScale == 0 ? zeros_like(c) : c.DivBy(layer.BiasScale));
            Copy(layer.V, common.S);
            Copy(layer.U, Layers[l + 1].R);
        }
        EnsembleReadout readout = model.Readout;
        Copy(readout.Weight, Layers[^1].Weight.DivBy(readout.WeightScale));
        if (readout.MemberBias is { } memberBias)
        {
            Copy(memberBias, Layers[^1].Bias);
        }
        else
        {
            RequireNear(Layers[^1].Bias, 0, tolerance, "the readout bias must be 0 for a model without member readout bias");
        }
    }

    /// <summary>Member logits [M, B, out] for a batch [B, in] shared by all members, in the common form's own arithmetic.</summary>
    public Tensor MemberOutputs(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        Tensor h = x.to_type(ScalarType.Float64).unsqueeze(0).expand(Members, -1, -1);
        for (int l = 0; l < Layers.Count; l++)
        {
            CommonLayer layer = Layers[l];
            Tensor y = h.mul(layer.R.unsqueeze(1)).matmul(layer.Weight.t()).mul(layer.S.unsqueeze(1)).Plus(layer.Bias.unsqueeze(1));
            h = l == Layers.Count - 1 ? y : Activation.Forward(y);
        }
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Every member's effective weights, W_c^l scaled by its fast weights (s_a^l r_a^l^T * W_c^l), all layers
    /// concatenated: [M, P] in float64. For an independent ensemble, each member's own s_w W_a. The parameter-space
    /// similarity of members (<see cref="Metrics.DiversityMetrics.MeanPairwiseCosine"/>) is computed on these.
    /// </summary>
    public static Tensor EffectiveWeights(EnsembleMlp model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int m = model.Members;
        var parts = new List<Tensor>();
        if (model.Spec.Family == EnsembleFamily.Independent)
        {
            foreach (EnsembleLayer layer in model.Layers)
            {
                parts.Add(F64(layer.Weight).MulBy(layer.WeightScale).reshape(m, -1));
            }
            parts.Add(F64(model.Readout.Weight).MulBy(model.Readout.WeightScale).reshape(m, -1));
        }
        else
        {
            using CommonBatchEnsemble common = FromProject(model);
            foreach (CommonLayer layer in common.Layers)
            {
                // [M, out, in] = s [M, out, 1] * W [1, out, in] * r [M, 1, in]
                parts.Add(layer.S.unsqueeze(2).mul(layer.Weight.unsqueeze(0)).mul(layer.R.unsqueeze(1)).reshape(m, -1));
            }
        }
        return cat(parts.ToArray(), 1).MoveToOuterDisposeScope();
    }

    /// <summary>Disposes the layers' tensors.</summary>
    public void Dispose()
    {
        foreach (CommonLayer layer in Layers)
        {
            layer.Weight.Dispose();
            layer.R.Dispose();
            layer.S.Dispose();
            layer.Bias.Dispose();
        }
    }

    private static Tensor F64(Tensor t) => t.detach().to(ScalarType.Float64, CPU, copy: true);

    private static void Copy(Tensor target, Tensor source) => target.copy_(source.to(target.dtype, target.device));

    private static void RequireSharedWeights(EnsembleMlp model)
    {
        if (model.Spec.Family == EnsembleFamily.Independent)
        {
            throw new ArgumentException("the common BatchEnsemble form needs shared weights; an independent ensemble has none");
        }
    }

    private static void RequireNear(Tensor t, double value, double tolerance, string message)
    {
        double deviation = t.Minus(value).abs().max().item<double>();
        if (!(deviation <= tolerance))
        {
            throw new ArgumentException($"{message} (max deviation {deviation:G3})");
        }
    }
}
