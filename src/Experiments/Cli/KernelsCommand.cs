using System.CommandLine;
using System.Globalization;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Kernels;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Cli;

/// <summary>
/// `kernels`: writes the analytic ensemble kernels for given settings and inputs as JSON, optionally with one finite
/// network's empirical NTK and the trained infinite-width ensemble's prediction, so anyone can check numbers.
/// </summary>
public static class KernelsCommand
{
    /// <summary>What the command prints.</summary>
    /// <param name="Analytic">The analytic kernels (THEORY.md section 2).</param>
    /// <param name="Empirical">One finite network's NTK, when --empirical-width was given.</param>
    /// <param name="Trained">The trained ensemble mean at the non-training inputs, when --targets was given.</param>
    public sealed record Output(KernelReport Analytic, EmpiricalOutput? Empirical, TrainedOutput? Trained);

    /// <summary>A finite network's NTK blocks.</summary>
    /// <param name="Width">Its width.</param>
    /// <param name="Seed">Its initialization seed.</param>
    /// <param name="NtkSharedSame">Theta^com same-member block (mean over members).</param>
    /// <param name="NtkSharedCross">Theta^com cross-member block (mean over pairs).</param>
    /// <param name="NtkMember">Theta^ind.</param>
    public sealed record EmpiricalOutput(int Width, long Seed, double[][] NtkSharedSame, double[][] NtkSharedCross, double[][] NtkMember);

    /// <summary>The trained infinite-width ensemble mean (THEORY.md section 3).</summary>
    /// <param name="Time">Training time tau (null: t -> infinity).</param>
    /// <param name="MuW">mu_w.</param>
    /// <param name="MuU">mu_u.</param>
    /// <param name="Gamma">gamma(M).</param>
    /// <param name="Mean">Mean of the ensemble mean at every input (training inputs first).</param>
    /// <param name="Variance">Its variance at every input.</param>
    public sealed record TrainedOutput(double? Time, double MuW, double MuU, string Gamma, double[] Mean, double[] Variance);

    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var inputs = new Option<string>("--inputs") { Description = "CSV file, one input per row (numbers only, no header)", Required = true };
        var family = new Option<string>("--family") { Description = "batch-ensemble, mc-dropout or independent", DefaultValueFactory = _ => "batch-ensemble" };
        var depth = new Option<int>("--depth") { Description = "hidden layers L", DefaultValueFactory = _ => 3 };
        var members = new Option<int>("--members") { Description = "ensemble size M", DefaultValueFactory = _ => 4 };
        var activation = new Option<string>("--activation") { Description = "relu, erf, tanh or gelu", DefaultValueFactory = _ => "relu" };
        var uLaw = new Option<string>("--u-law") { Description = "sign(c), const(c), gauss(mu,s) or bernoulli(p)", DefaultValueFactory = _ => "sign(1)" };
        var vLaw = new Option<string>("--v-law") { Description = "law of v", DefaultValueFactory = _ => "sign(1)" };
        var sigmaW = new Option<double>("--sigma-w") { Description = "weight scale", DefaultValueFactory = _ => Math.Sqrt(2) };
        var sigmaB = new Option<double>("--sigma-b") { Description = "bias scale", DefaultValueFactory = _ => 0.1 };
        var width = new Option<int?>("--empirical-width") { Description = "also measure one finite network of this width (exact-gradient NTK)" };
        var seed = new Option<long>("--seed") { Description = "initialization seed of the finite network", DefaultValueFactory = _ => 0 };
        var targets = new Option<string?>("--targets") { Description = "file of training targets, one per line: the first inputs are the training points" };
        var time = new Option<double?>("--time") { Description = "training time tau (default: t -> infinity)" };
        var muW = new Option<double>("--mu-w") { Description = "shared-weight learning rate", DefaultValueFactory = _ => 1 };
        var muU = new Option<double>("--mu-u") { Description = "modulation learning rate", DefaultValueFactory = _ => 1 };
        var gamma = new Option<string>("--gamma") { Description = "gamma(M): 1, M, sqrt(M) or a number", DefaultValueFactory = _ => "M" };
        var output = new Option<string?>("--out") { Description = "write the JSON here instead of standard output" };
        var command = new Command("kernels", "Writes analytic (and optionally empirical and trained) ensemble kernels as JSON.")
        {
            inputs, family, depth, members, activation, uLaw, vLaw, sigmaW, sigmaB, width, seed, targets, time, muW, muU, gamma, output,
        };
        command.SetAction(result => ExperimentsCli.Guard(stderr, () =>
        {
            double[,] x = ReadMatrix(result.GetValue(inputs)!);
            string familyName = result.GetValue(family)!;
            var spec = new MlpSpec
            {
                Family = familyName switch
                {
                    "batch-ensemble" => EnsembleFamily.BatchEnsemble,
                    "mc-dropout" => EnsembleFamily.McDropout,
                    "independent" => EnsembleFamily.Independent,
                    _ => throw new UsageException($"unknown family '{familyName}': use batch-ensemble, mc-dropout or independent"),
                },
                InputDim = x.GetLength(1),
                Depth = result.GetValue(depth),
                Members = result.GetValue(members),
                Width = result.GetValue(width) ?? 1,
                Activation = Activation.Parse(result.GetValue(activation)!),
                ULaw = ModulationLaw.Parse(result.GetValue(uLaw)!),
                VLaw = ModulationLaw.Parse(result.GetValue(vLaw)!),
                SigmaW = result.GetValue(sigmaW),
                SigmaB = result.GetValue(sigmaB),
            }.Validate();
            EnsembleKernels kernels = AnalyticKernels.Compute(spec, x);

            EmpiricalOutput? empirical = null;
            if (result.GetValue(width) is int w)
            {
                TorchRuntime.EnsureLoaded();
                using var model = new EnsembleMlp(spec, result.GetValue(seed), TorchSharp.torch.ScalarType.Float64);
                EmpiricalNtk ntk = EmpiricalKernels.Ntk(model, x);
                empirical = new EmpiricalOutput(w, result.GetValue(seed), Dense.ToJagged(ntk.SharedSame), Dense.ToJagged(ntk.SharedCross), Dense.ToJagged(ntk.MemberSame));
            }

            TrainedOutput? trained = null;
            if (result.GetValue(targets) is string targetFile)
            {
                double[] y = ReadMatrix(targetFile) is var t && t.GetLength(1) == 1
                    ? Enumerable.Range(0, t.GetLength(0)).Select(i => t[i, 0]).ToArray()
                    : throw new UsageException($"targets file '{targetFile}' must hold one number per line");
                if (y.Length > x.GetLength(0)) throw new UsageException($"{y.Length} targets for {x.GetLength(0)} inputs");
                var scales = new TrainingScales(result.GetValue(muW), result.GetValue(muU), GammaRule.Parse(result.GetValue(gamma)!)).Validate();
                double tau = result.GetValue(time) ?? double.PositiveInfinity;
                TrainedPrediction p = TrainedEnsemble.PredictMean(kernels, scales, y.Length, y, tau);
                trained = new TrainedOutput(double.IsInfinity(tau) ? null : tau, scales.MuW, scales.MuU, scales.Gamma.ToString(),
                    p.Mean, Enumerable.Range(0, p.Mean.Length).Select(i => p.Covariance[i, i]).ToArray());
            }

            string json = CanonicalJson.Serialize(new Output(kernels.ToReport(x), empirical, trained));
            if (result.GetValue(output) is string path)
            {
                AtomicFile.WriteAllText(path, json);
            }
            else
            {
                stdout.Write(json);
            }
            return ExperimentsCli.Ok;
        }));
        return command;
    }

    private static double[,] ReadMatrix(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"file '{path}' does not exist");
        var rows = new List<double[]>();
        foreach (string line in File.ReadLines(path).Where(l => l.Trim().Length > 0))
        {
            rows.Add(line.Split(',', StringSplitOptions.TrimEntries).Select(v =>
                double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
                    ? d : throw new UsageException($"{path}: '{v}' is not a finite number")).ToArray());
        }
        if (rows.Count == 0 || rows.Any(r => r.Length != rows[0].Length)) throw new UsageException($"{path}: expected rows of equally many numbers");
        var m = new double[rows.Count, rows[0].Length];
        for (int i = 0; i < rows.Count; i++)
        {
            for (int j = 0; j < rows[0].Length; j++)
            {
                m[i, j] = rows[i][j];
            }
        }
        return m;
    }
}
