namespace EmbeddedEnsembles.Descriptions;

/// <summary>Which kind of ensemble a description builds.</summary>
public enum EnsembleFamily
{
    /// <summary>BatchEnsemble: shared weights, trainable per-member u and v.</summary>
    BatchEnsemble,
    /// <summary>MC-dropout ensemble: shared weights, fixed per-member Bernoulli(p)/p masks as u, v = 1.</summary>
    McDropout,
    /// <summary>M separate networks: the reference.</summary>
    Independent,
}

/// <summary>How weights are scaled: NTK (sigma_w/sqrt(fan_in) in the forward pass) or standard (in the init).</summary>
public enum Parameterization
{
    /// <summary>NTK parameterization, used by the theory.</summary>
    Ntk,
    /// <summary>Standard parameterization: N(0, sigma_w^2/fan_in) init, no scaling in the forward pass.</summary>
    Standard,
}

/// <summary>
/// What every ensemble description holds besides its architecture: family, ensemble size, activation, modulation
/// laws, parameterization, sigma_w, sigma_b and the readout bias; <see cref="MlpSpec"/> (MLP) and
/// <see cref="CnnSpec"/> (CNN) add their shapes.
/// </summary>
public abstract record EnsembleDescription
{
    /// <summary>The family.</summary>
    public EnsembleFamily Family { get; init; } = EnsembleFamily.BatchEnsemble;
    /// <summary>Ensemble size M.</summary>
    public int Members { get; init; } = 4;
    /// <summary>The nonlinearity phi.</summary>
    public Activation Activation { get; init; } = Activation.Relu;
    /// <summary>Law of the post-activation modulation u (ignored for independent ensembles).</summary>
    public ModulationLaw ULaw { get; init; } = new SignLaw(1);
    /// <summary>Law of the pre-activation modulation v (ignored for independent ensembles).</summary>
    public ModulationLaw VLaw { get; init; } = new SignLaw(1);
    /// <summary>NTK or standard parameterization.</summary>
    public Parameterization Parameterization { get; init; } = Parameterization.Ntk;
    /// <summary>Weight scale sigma_w.</summary>
    public double SigmaW { get; init; } = Math.Sqrt(2);
    /// <summary>Bias scale sigma_b.</summary>
    public double SigmaB { get; init; } = 0.1;
    /// <summary>Per-member readout bias (member-specific; a shared readout bias would couple members).</summary>
    public bool MemberReadoutBias { get; init; }

    /// <summary>Checks the fields above; throws a clear <see cref="ArgumentException"/> naming the first bad one.</summary>
    protected void ValidateEnsemble()
    {
        EnsembleSize.Require(Members);
        Require(Activation is not null, "activation is missing");
        Require(SigmaW > 0 && double.IsFinite(SigmaW), $"sigma_w must be a finite positive number, got {SigmaW}");
        Require(SigmaB >= 0 && double.IsFinite(SigmaB), $"sigma_b must be a finite number >= 0, got {SigmaB}");
        if (Family == EnsembleFamily.McDropout)
        {
            Require(ULaw is BernoulliLaw, $"an MC-dropout ensemble needs a bernoulli(p) law for u, got {ULaw}");
            Require(VLaw is ConstLaw { C: 1 }, $"an MC-dropout ensemble has v = 1, got {VLaw}");
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> with <paramref name="message"/> unless <paramref name="condition"/>.</summary>
    protected static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}

/// <summary>
/// A plain description of an ensemble MLP (THEORY.md section 1): family, depth, width, members, activation,
/// modulation laws, parameterization, sigma_w and sigma_b. A single network is M = 1.
/// </summary>
public sealed record MlpSpec : EnsembleDescription
{
    /// <summary>Input dimension N_0.</summary>
    public int InputDim { get; init; } = 8;
    /// <summary>Hidden width N_1 = ... = N_L.</summary>
    public int Width { get; init; } = 64;
    /// <summary>Number of hidden layers L.</summary>
    public int Depth { get; init; } = 3;
    /// <summary>Output dimension (classes, or 1 for regression).</summary>
    public int OutputDim { get; init; } = 1;

    /// <summary>A description of an MC-dropout ensemble with keep probability <paramref name="p"/>.</summary>
    public static MlpSpec McDropout(double p) => new()
    {
        Family = EnsembleFamily.McDropout,
        ULaw = new BernoulliLaw(p),
        VLaw = new ConstLaw(1),
    };

    /// <summary>Throws a clear <see cref="ArgumentException"/> naming the first bad field.</summary>
    public MlpSpec Validate()
    {
        Require(InputDim >= 1, $"input dimension must be >= 1, got {InputDim}");
        Require(Width >= 1, $"width must be >= 1, got {Width}");
        Require(Depth >= 1, $"depth must be >= 1, got {Depth}");
        Require(OutputDim >= 1, $"output dimension must be >= 1, got {OutputDim}");
        ValidateEnsemble();
        return this;
    }
}
