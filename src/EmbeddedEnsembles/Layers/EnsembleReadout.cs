using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using EmbeddedEnsembles.Runtime;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// The linear readout f_a = s_w x_a W^T (+ c_a): shared W [out, in] without a shared bias (a shared bias would
/// couple all members), or one W_a [M, out, in] per member for independent ensembles; optional per-member bias
/// c [M, out], initialised to zero and not scaled (so the kernels at initialisation are unchanged).
/// </summary>
public sealed class EnsembleReadout : Module<Tensor, Tensor>
{
    private readonly EnsembleLayerOptions _options;
    private readonly double _weightScale;

#pragma warning disable IDE1006
    private readonly Parameter weight;
    private readonly Parameter? member_bias;
#pragma warning restore IDE1006

    /// <summary>Creates the readout.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="inFeatures">N_L.</param>
    /// <param name="outFeatures">Output dimension.</param>
    /// <param name="options">Members, parameterization, scales, dtype, device (the activation is unused).</param>
    /// <param name="perMemberWeights">True for independent ensembles: W is [M, out, in].</param>
    /// <param name="memberBias">Whether to add a per-member bias.</param>
    /// <param name="weightGenerator">Generator for W.</param>
    public EnsembleReadout(string name, long inFeatures, long outFeatures, EnsembleLayerOptions options,
        bool perMemberWeights, bool memberBias, Generator weightGenerator) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (inFeatures < 1) throw new ArgumentException($"readout input features must be >= 1, got {inFeatures}");
        if (outFeatures < 1) throw new ArgumentException($"output dimension must be >= 1, got {outFeatures}");
        _options = options;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        PerMemberWeights = perMemberWeights;
        _weightScale = options.WeightScale(inFeatures);
        long[] shape = perMemberWeights ? [options.Members, outFeatures, inFeatures] : [outFeatures, inFeatures];
        weight = new Parameter(options.Normal(shape, options.WeightInitStd(inFeatures), weightGenerator));
        register_parameter(nameof(weight), weight);
        if (memberBias)
        {
            using var zeros = torch.zeros([options.Members, outFeatures], dtype: ScalarType.Float64);
            member_bias = new Parameter(options.Place(zeros));
            register_parameter(nameof(member_bias), member_bias);
        }
    }

    /// <summary>Ensemble size M.</summary>
    public int Members => _options.Members;
    /// <summary>N_L.</summary>
    public long InFeatures { get; }
    /// <summary>Output dimension.</summary>
    public long OutFeatures { get; }
    /// <summary>Whether each member has its own readout weight.</summary>
    public bool PerMemberWeights { get; }
    /// <summary>Raw readout weight: [out, in] shared, or [M, out, in].</summary>
    public Parameter Weight => weight;
    /// <summary>Per-member bias [M, out], or null.</summary>
    public Parameter? MemberBias => member_bias;
    /// <summary>The forward factor on x W^T.</summary>
    public double WeightScale => _weightScale;

    /// <summary>[M, B, in] to [M, B, out]: <see cref="ClassMajor"/> with the last two axes swapped (a view).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return ClassMajor(x).transpose(1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [M, B, in] to [M, out, B], f_a^T = s_w W x_a^T (+ c_a), with the classes as the middle axis: the layout the
    /// per-member loss reduces over, so a training step needs no view to reach it. W x^T rather than x W^T: with few
    /// outputs (10 classes) MKL took 24 us for W h^T against 49 us for h W^T ([256, 256] rows and features, one thread).
    /// The result is a view of an [out, M, B] (shared W) or [M, out, B] (per member) product.
    /// </summary>
    public Tensor ClassMajor(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        long[] shape = x.shape;
        if (shape.Length != 3 || shape[0] != Members)
        {
            throw new ArgumentException($"readout expects [{Members}, B, {InFeatures}], got [{string.Join(", ", shape)}]");
        }
        Tensor f = PerMemberWeights
            ? weight.bmm(x.transpose(1, 2))
            : weight.mm(x.reshape(shape[0] * shape[1], shape[2]).t()).view(OutFeatures, shape[0], shape[1]).permute(1, 0, 2);
        f = f.ScaledBy(_weightScale);
        if (member_bias is not null)
        {
            f = f.Plus(member_bias.unsqueeze(2));
        }
        return f.MoveToOuterDisposeScope();
    }

    /// <summary>Reference for member <paramref name="member"/>: [B, in] to [B, out].</summary>
    public Tensor MemberForward(int member, Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor f = nn.functional.linear(x, PerMemberWeights ? weight[member] : weight).ScaledBy(_weightScale);
        if (member_bias is not null)
        {
            f = f.Plus(member_bias[member]);
        }
        return f.MoveToOuterDisposeScope();
    }
}
