// The results contract (docs/RESULTS.md) declared once: Experiments writes these columns and Reporting reads them.
// This file is compiled into both programs (a linked file: Reporting may not depend on Experiments, and the
// declarations are plain constants), so its types are internal to each.
namespace EEArtifacts.ResultsContract;

/// <summary>Every column name of the experiments' rows.csv and epochs.csv files, once.</summary>
internal static class Column
{
    // Configuration columns.
    public const string Setting = "setting", U1 = "u1", Regime = "regime", Width = "width", Samples = "samples";
    public const string Part = "part", Gamma = "gamma", Members = "members", Epoch = "epoch";
    public const string Task = "task", Architecture = "architecture", Family = "family", WidthMult = "width_mult";
    public const string Factor = "factor", Level = "level";

    // Measured columns.
    public const string SameCovEmp = "same_cov_emp", SameCovSe = "same_cov_se", SameCovTheory = "same_cov_theory";
    public const string CrossCovEmp = "cross_cov_emp", CrossCovSe = "cross_cov_se", CrossCovTheory = "cross_cov_theory";
    public const string CrossCorrEmp = "cross_corr_emp", CrossCorrSe = "cross_corr_se", CrossCorrTheory = "cross_corr_theory";
    public const string RelErrNngp = "rel_err_nngp", ExcessKurtosis = "excess_kurtosis", ExcessKurtosisSe = "excess_kurtosis_se";
    public const string RelErrCom = "rel_err_com", RelErrInd = "rel_err_ind";
    public const string CrossSameRatioEmp = "cross_same_ratio_emp", CrossSameRatioTheory = "cross_same_ratio_theory";
    public const string TrainLoss = "train_loss", EnsTestLoss = "ens_test_loss", MemberTestLoss = "member_test_loss";
    public const string EnsTestAcc = "ens_test_acc", MemberTestAcc = "member_test_acc", MemberTrainAcc = "member_train_acc";
    public const string Disagreement = "disagreement", Correlation = "correlation", EnsembleGain = "ensemble_gain";
    public const string Params = "params", TestMse = "test_mse", TestMseSe = "test_mse_se";
    public const string Epochs = "epochs", EnsTestNll = "ens_test_nll", EnsTestEce = "ens_test_ece";

    // E8 (which-batchensemble): configuration, then in-distribution, diversity, initialization, OOD and shift measures.
    public const string Configuration = "configuration", Parameterization = "parameterization";
    public const string EnsAcc = "ens_acc", EnsNll = "ens_nll", EnsEce = "ens_ece", EnsBrier = "ens_brier";
    public const string MemberAcc = "member_acc", MemberNll = "member_nll", MemberEce = "member_ece", MemberBrier = "member_brier";
    public const string LogitCorrelation = "logit_correlation", PairwiseKl = "pairwise_kl", WeightCosine = "weight_cosine";
    public const string InitLogitCorrelation = "init_logit_correlation", InitWeightCosine = "init_weight_cosine";
    public const string NngpCrossRatio = "nngp_cross_ratio", NtkCrossRatio = "ntk_cross_ratio";
    public const string AurocEntropyHeldOut = "auroc_entropy_held_out", AurocMiHeldOut = "auroc_mi_held_out";
    public const string AurocEntropyNoise = "auroc_entropy_noise", AurocMiNoise = "auroc_mi_noise";
    public const string AurocEntropyPermuted = "auroc_entropy_permuted", AurocMiPermuted = "auroc_mi_permuted";
    public const string RotatedAcc = "rotated_acc", RotatedNll = "rotated_nll", RotatedEce = "rotated_ece";
    public const string NoisyAcc = "noisy_acc", NoisyNll = "noisy_nll", NoisyEce = "noisy_ece";
}

/// <summary>The values of the <see cref="Column.Regime"/> column (the library's Regime.Name spells the same).</summary>
internal static class RegimeValue
{
    public const string Independent = "independent", Collective = "collective", Mixed = "mixed", None = "none";
}

/// <summary>One experiment's results folder name and its file layouts.</summary>
/// <param name="Experiment">The folder under results/&lt;profile&gt;/ and the experiment's name.</param>
/// <param name="Rows">The columns of rows.csv after experiment, cell, repeat, seed, in order.</param>
/// <param name="Epochs">The columns of epochs.csv after experiment, cell, repeat, seed (empty: no epochs file).</param>
internal sealed record ResultLayout(string Experiment, string[] Rows, string[] Epochs)
{
    /// <summary>The runner's leading columns of every rows.csv and epochs.csv.</summary>
    public static readonly string[] Leading = ["experiment", "cell", "repeat", "seed"];

    public static ResultLayout GpInit { get; } = new("gp-init",
    [
        Column.Setting, Column.U1, Column.Regime, Column.Width, Column.Samples, Column.SameCovEmp, Column.SameCovSe, Column.SameCovTheory,
        Column.CrossCovEmp, Column.CrossCovSe, Column.CrossCovTheory, Column.CrossCorrEmp, Column.CrossCorrSe, Column.CrossCorrTheory,
        Column.RelErrNngp, Column.ExcessKurtosis, Column.ExcessKurtosisSe,
    ], []);

    public static ResultLayout NtkInit { get; } = new("ntk-init",
    [
        Column.Setting, Column.U1, Column.Regime, Column.Width, Column.RelErrCom, Column.RelErrInd, Column.CrossSameRatioEmp, Column.CrossSameRatioTheory,
    ], []);

    private static readonly string[] RegimesConfiguration = [Column.Part, Column.Setting, Column.U1, Column.Gamma, Column.Members, Column.Regime];
    private static readonly string[] RegimesMeasures =
    [
        Column.EnsTestLoss, Column.MemberTestLoss, Column.EnsTestAcc, Column.MemberTestAcc, Column.Disagreement, Column.Correlation, Column.EnsembleGain,
    ];

    public static ResultLayout Regimes { get; } = new("regimes",
        [.. RegimesConfiguration, .. RegimesMeasures],
        [.. RegimesConfiguration, Column.Epoch, Column.TrainLoss, .. RegimesMeasures]);

    public static ResultLayout WidthSweep { get; } = new("width-sweep",
    [
        Column.Task, Column.Architecture, Column.Family, Column.Regime, Column.WidthMult, Column.Width, Column.Members, Column.Params,
        Column.Epochs, Column.EnsTestAcc, Column.MemberTestAcc, Column.MemberTrainAcc, Column.EnsTestNll, Column.EnsTestEce,
        Column.Disagreement, Column.Correlation,
    ], []);

    public static ResultLayout ParamScatter { get; } = new("param-scatter",
    [
        Column.Task, Column.Architecture, Column.Family, Column.Regime, Column.Setting, Column.Width, Column.Members, Column.Params,
        Column.Epochs, Column.EnsTestAcc, Column.MemberTestAcc, Column.MemberTrainAcc,
    ], []);

    public static ResultLayout InfiniteWidth { get; } = new("infinite-width",
        [Column.Regime, Column.Family, Column.Width, Column.Members, Column.TestMse, Column.TestMseSe], []);

    public static ResultLayout Hyperparameters { get; } = new("hyperparameters",
        [Column.Factor, Column.Level, Column.U1, Column.Regime, Column.EnsembleGain, Column.Correlation, Column.EnsTestAcc], []);

    public static ResultLayout WhichBatchEnsemble { get; } = new("which-batchensemble",
    [
        Column.Task, Column.Configuration, Column.Family, Column.U1, Column.Gamma, Column.Parameterization, Column.Members, Column.Width,
        Column.EnsAcc, Column.EnsNll, Column.EnsEce, Column.EnsBrier, Column.MemberAcc, Column.MemberNll, Column.MemberEce, Column.MemberBrier,
        Column.EnsembleGain, Column.Disagreement, Column.Correlation, Column.LogitCorrelation, Column.PairwiseKl, Column.WeightCosine,
        Column.InitLogitCorrelation, Column.InitWeightCosine, Column.NngpCrossRatio, Column.NtkCrossRatio,
        Column.AurocEntropyHeldOut, Column.AurocMiHeldOut, Column.AurocEntropyNoise, Column.AurocMiNoise,
        Column.AurocEntropyPermuted, Column.AurocMiPermuted,
        Column.RotatedAcc, Column.RotatedNll, Column.RotatedEce, Column.NoisyAcc, Column.NoisyNll, Column.NoisyEce,
    ], []);

    /// <summary>Every experiment's layout, in report order.</summary>
    public static IReadOnlyList<ResultLayout> All { get; } = [GpInit, NtkInit, Regimes, WidthSweep, ParamScatter, InfiniteWidth, Hyperparameters, WhichBatchEnsemble];
}
