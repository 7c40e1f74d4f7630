using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Descriptions;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// What every ensemble layer needs besides its shape: ensemble size, nonlinearity, parameterization, weight and
/// bias scales, element type and device.
/// </summary>
/// <param name="Members">Ensemble size M (at least 1).</param>
/// <param name="Activation">The nonlinearity phi applied after the pre-activation modulation.</param>
/// <param name="Parameterization">NTK (scale in the forward pass, N(0,1) init) or standard (scale in the init).</param>
/// <param name="SigmaW">Weight scale sigma_w.</param>
/// <param name="SigmaB">Bias scale sigma_b.</param>
public sealed record EnsembleLayerOptions(int Members, Activation Activation, Parameterization Parameterization, double SigmaW, double SigmaB)
{
    /// <summary>Element type of parameters and buffers (float32 for training, float64 for kernel comparisons).</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>Device of parameters and buffers; null means CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>The options of every layer of a model built from <paramref name="description"/>, validated.</summary>
    public static EnsembleLayerOptions Of(EnsembleDescription description, ScalarType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(description);
        return new EnsembleLayerOptions(description.Members, description.Activation, description.Parameterization, description.SigmaW, description.SigmaB)
        {
            DType = dtype,
            Device = device,
        }.Validate();
    }

    /// <summary>Throws a clear <see cref="ArgumentException"/> on a bad option.</summary>
    public EnsembleLayerOptions Validate()
    {
        EnsembleSize.Require(Members);
        ArgumentNullException.ThrowIfNull(Activation);
        if (!(SigmaW > 0) || !double.IsFinite(SigmaW)) throw new ArgumentException($"sigma_w must be a finite positive number, got {SigmaW}");
        if (!(SigmaB >= 0) || !double.IsFinite(SigmaB)) throw new ArgumentException($"sigma_b must be a finite number >= 0, got {SigmaB}");
        if (DType is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16))
        {
            throw new ArgumentException($"dtype must be a floating type, got {DType}");
        }
        return this;
    }

    /// <summary>Forward-pass factor on x W^T: sigma_w/sqrt(fan_in) under NTK, 1 under standard parameterization.</summary>
    public double WeightScale(long fanIn) => Parameterization == Parameterization.Ntk ? SigmaW / Math.Sqrt(fanIn) : 1.0;

    /// <summary>Forward-pass factor on the bias: sigma_b under NTK, 1 under standard parameterization.</summary>
    public double BiasScale => Parameterization == Parameterization.Ntk ? SigmaB : 1.0;

    /// <summary>Standard deviation of the initial weights: 1 under NTK, sigma_w/sqrt(fan_in) under standard.</summary>
    public double WeightInitStd(long fanIn) => Parameterization == Parameterization.Ntk ? 1.0 : SigmaW / Math.Sqrt(fanIn);

    /// <summary>Standard deviation of the initial biases: 1 under NTK, sigma_b under standard.</summary>
    public double BiasInitStd => Parameterization == Parameterization.Ntk ? 1.0 : SigmaB;

    /// <summary>
    /// Draws N(0, std^2) in float64 from <paramref name="generator"/> and converts it to <see cref="DType"/> on
    /// <see cref="Device"/>, so float32 and float64 models built from one seed hold the same numbers.
    /// </summary>
    internal Tensor Normal(long[] shape, double std, Generator generator)
    {
        using var scope = NewDisposeScope();
        Tensor t = randn(shape, dtype: ScalarType.Float64, generator: generator).MulBy(std);
        return Place(t).MoveToOuterDisposeScope();
    }

    /// <summary>Converts a (float64, CPU) tensor to this layer's type and device; always returns a new tensor.</summary>
    internal Tensor Place(Tensor t) => t.to(DType, Device ?? CPU, copy: true).detach();
}
