using System.Globalization;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EmbeddedEnsembles.Configurations;

/// <summary>How a configuration's loss is formed and scaled by its learning rate eta.</summary>
public enum LossAveraging
{
    /// <summary>
    /// This project's rule (THEORY.md section 1): sum_a L_a, weight group at eta gamma(M)/M, modulation group at eta
    /// (mu_w = mu_u = eta).
    /// </summary>
    SumOverMembers,

    /// <summary>
    /// Most BatchEnsemble code: one loss averaged over all M*B rows of the member-major batch, (1/M) sum_a L_a, and
    /// plain SGD at eta on every parameter. Its gradient is 1/M times that of sum_a L_a, so the weight group moves by
    /// eta/M grad and every member's own parameters by eta/M grad: in this project's rule mu_w gamma(M) = eta and
    /// mu_u = eta/M (exact under the standard parameterization, where the raw weights are the forward weights; see
    /// <see cref="CommonBatchEnsemble"/>). With gamma = 1 that is mu_w = eta.
    /// </summary>
    MeanOverRows,
}

/// <summary>
/// A named ensemble configuration: a plain description of what is built (family, laws, parameterization, readout
/// bias, ensemble size) and how it is trained (gamma(M), loss averaging), with the source it follows. The
/// hyperparameters an experiment chooses (width, depth, learning rate, epochs) stay outside.
/// </summary>
/// <param name="Name">Short name, no commas ("common").</param>
/// <param name="Source">Where the configuration comes from, in words.</param>
/// <param name="Family">The family.</param>
/// <param name="ULaw">Law of u (post-activation modulation; ignored for independent networks).</param>
/// <param name="VLaw">Law of v (pre-activation modulation; ignored for independent networks).</param>
/// <param name="Gamma">gamma(M).</param>
/// <param name="Parameterization">NTK (the theory's) or standard (most code).</param>
/// <param name="MemberReadoutBias">Whether each member has its own readout bias.</param>
/// <param name="Loss">How the loss is averaged and scaled.</param>
/// <param name="SingleNetwork">True for one plain network: M = 1 whatever the experiment asks for.</param>
public sealed record EnsembleConfiguration(
    string Name,
    string Source,
    EnsembleFamily Family,
    ModulationLaw ULaw,
    ModulationLaw VLaw,
    GammaRule Gamma,
    Parameterization Parameterization,
    bool MemberReadoutBias,
    LossAveraging Loss,
    bool SingleNetwork = false)
{
    /// <summary>The ensemble size this configuration builds when an experiment asks for <paramref name="members"/>.</summary>
    public int Members(int members)
    {
        if (members < 1) throw new ArgumentOutOfRangeException(nameof(members), members, "ensemble size M must be >= 1");
        return SingleNetwork ? 1 : members;
    }

    /// <summary>The MLP this configuration describes, for an experiment's shape and ensemble size.</summary>
    public MlpSpec Spec(int inputDim, int width, int depth, int outputDim, int members) => new MlpSpec
    {
        Family = Family,
        InputDim = inputDim,
        Width = width,
        Depth = depth,
        OutputDim = outputDim,
        Members = Members(members),
        Activation = Activation.Relu,
        ULaw = ULaw,
        VLaw = VLaw,
        Parameterization = Parameterization,
        MemberReadoutBias = MemberReadoutBias,
    }.Validate();

    /// <summary>
    /// This project's training rule for learning rate <paramref name="learningRate"/> (eta) at ensemble size
    /// <paramref name="members"/>: eta on both groups for <see cref="LossAveraging.SumOverMembers"/>; mu_w = eta/gamma(M)
    /// and mu_u = eta/M for <see cref="LossAveraging.MeanOverRows"/>.
    /// </summary>
    public TrainingRule Rule(double learningRate, int members, double momentum)
    {
        int m = Members(members);
        return (Loss == LossAveraging.MeanOverRows
            ? new TrainingRule(learningRate / Gamma.Value(m), learningRate / m, Gamma)
            : new TrainingRule(learningRate, learningRate, Gamma)) with { Momentum = momentum };
    }

    /// <summary>
    /// The canonical one-line description of everything that defines the configuration (not its source text):
    /// two configurations with the same description build and train the same way.
    /// </summary>
    public string Description => string.Join(" ",
        $"family={Family}",
        $"u={ULaw}",
        $"v={VLaw}",
        $"gamma={Gamma}",
        $"parameterization={Parameterization}",
        $"member-readout-bias={MemberReadoutBias}",
        $"loss={Loss}",
        $"single={SingleNetwork}").ToLower(CultureInfo.InvariantCulture);
}

/// <summary>The named configurations E8 compares; <see cref="All"/> in report order.</summary>
public static class EnsembleConfigurations
{
    /// <summary>
    /// BatchEnsemble as most code configures it: fast weights r and s drawn from N(1, 0.5) (mean 1, standard deviation
    /// 0.5), a per-member bias, the loss averaged over the M*B rows and plain SGD on every parameter (so gamma = 1,
    /// mu_u = mu_w/M), standard parameterization. Source: torch-uncertainty's BatchLinear (torch_uncertainty/layers/
    /// batch_ensemble.py: r_group and s_group initialised with normal_(mean=1.0, std=0.5), bias of shape
    /// [num_estimators, out_features]); the loss averaging is what PyTorch's default mean-reduced cross-entropy gives
    /// on the repeated M*B batch. Two differences from that code: the shared weights are drawn as in this project,
    /// N(0, sigma_w^2/fan-in) with sigma_w = sqrt(2), not uniform(+-1/sqrt(fan-in)); and in the u/v form the per-member
    /// bias of a hidden layer is v_a * b (see <see cref="CommonBatchEnsemble"/>); the readout has its own per-member bias.
    /// </summary>
    public static EnsembleConfiguration Common { get; } = new(
        "common",
        "torch-uncertainty BatchLinear: r, s ~ N(1, 0.5), per-member bias, loss averaged over the M*B rows (gamma = 1), standard parameterization",
        EnsembleFamily.BatchEnsemble, new GaussLaw(1, 0.5), new GaussLaw(1, 0.5), GammaRule.One,
        Parameterization.Standard, MemberReadoutBias: true, LossAveraging.MeanOverRows);

    /// <summary>
    /// The MC-dropout ensemble of the paper (Velikanov et al. 2022, section 1): M fixed Bernoulli masks with keep
    /// probability p = 0.5 (u = Bernoulli(p)/p, v = 1), shared weights, gamma = 1, NTK parameterization.
    /// </summary>
    public static EnsembleConfiguration McDropout { get; } = new(
        "mc-dropout",
        "Velikanov et al. 2022, section 1: fixed Bernoulli(0.5)/0.5 masks, gamma = 1, NTK parameterization",
        EnsembleFamily.McDropout, new BernoulliLaw(0.5), new ConstLaw(1), GammaRule.One,
        Parameterization.Ntk, MemberReadoutBias: false, LossAveraging.SumOverMembers);

    /// <summary>
    /// The paper's independent regime (Velikanov et al. 2022, Theorems 1-3): u and v with random signs (U1 = 0) and
    /// gamma(M) = M, NTK parameterization.
    /// </summary>
    public static EnsembleConfiguration IndependentRegime { get; } = new(
        "independent-regime",
        "Velikanov et al. 2022, Theorems 1-3: u, v ~ sign(1) (U1 = 0), gamma = M, NTK parameterization",
        EnsembleFamily.BatchEnsemble, new SignLaw(1), new SignLaw(1), GammaRule.M,
        Parameterization.Ntk, MemberReadoutBias: false, LossAveraging.SumOverMembers);

    /// <summary>M separately initialised networks (a deep ensemble), each trained at the base rate (gamma = M), NTK parameterization.</summary>
    public static EnsembleConfiguration IndependentNetworks { get; } = new(
        "independent-networks",
        "M separate networks (deep ensemble), each at the base learning rate (gamma = M), NTK parameterization",
        EnsembleFamily.Independent, new ConstLaw(1), new ConstLaw(1), GammaRule.M,
        Parameterization.Ntk, MemberReadoutBias: false, LossAveraging.SumOverMembers);

    /// <summary>
    /// One plain network trained the way <see cref="Common"/> trains (standard parameterization, SGD at eta on the
    /// mean loss): the baseline the common configuration is compared with.
    /// </summary>
    public static EnsembleConfiguration SingleNetwork { get; } = new(
        "single-network",
        "one plain network, standard parameterization, SGD on the mean loss (the common configuration's training without the ensemble)",
        EnsembleFamily.Independent, new ConstLaw(1), new ConstLaw(1), GammaRule.One,
        Parameterization.Standard, MemberReadoutBias: false, LossAveraging.MeanOverRows, SingleNetwork: true);

    /// <summary>Every named configuration, in report order.</summary>
    public static IReadOnlyList<EnsembleConfiguration> All { get; } =
        new[] { Common, McDropout, IndependentRegime, IndependentNetworks, SingleNetwork };

    /// <summary>The configuration named <paramref name="name"/>; a clear <see cref="ArgumentException"/> otherwise.</summary>
    public static EnsembleConfiguration Named(string name) =>
        All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"unknown configuration '{name}': use one of {string.Join(", ", All.Select(c => c.Name))}");
}
