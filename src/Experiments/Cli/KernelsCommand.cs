using System.CommandLine;
using System.Globalization;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Kernels.Empirical;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
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

    /// <summary>The kernel matrices of <see cref="KernelReport"/> and the names of their .npy files (--format npy).</summary>
    private static readonly string[] NpyNames =
    [
        "inputs", "nngp_same", "nngp_cross", "ntk_shared_same", "ntk_shared_cross", "ntk_member",
        "nngp_same_error", "nngp_cross_error", "ntk_shared_same_error", "ntk_shared_cross_error", "ntk_member_error",
    ];

    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var inputs = new Option<string>("--inputs") { Description = "CSV file, one input per row (numbers only, no header)", Required = true };
        var family = new Option<string>("--family") { Description = "batch-ensemble, mc-dropout or independent", DefaultValueFactory = _ => "batch-ensemble" };
        var depth = new Option<int>("--depth") { Description = "hidden layers L", DefaultValueFactory = _ => 3 };
        var members = new Option<int>("--members") { Description = "ensemble size M", DefaultValueFactory = _ => 4 };
        var activation = new Option<string>("--activation") { Description = "relu, erf, tanh or gelu", DefaultValueFactory = _ => "relu" };
        var uLaw = new Option<string?>("--u-law") { Description = "sign(c), const(c), gauss(mu,s) or bernoulli(p) (default sign(1); bernoulli(0.5) for mc-dropout)" };
        var vLaw = new Option<string?>("--v-law") { Description = "law of v (default sign(1); const(1) for mc-dropout)" };
        var sigmaW = new Option<double>("--sigma-w") { Description = "weight scale", DefaultValueFactory = _ => Math.Sqrt(2) };
        var sigmaB = new Option<double>("--sigma-b") { Description = "bias scale", DefaultValueFactory = _ => 0.1 };
        var width = new Option<int?>("--empirical-width") { Description = "also measure one finite network of this width (exact-gradient NTK)" };
        var seed = new Option<long>("--seed") { Description = "initialization seed of the finite network", DefaultValueFactory = _ => 0 };
        var targets = new Option<string?>("--targets") { Description = "file of training targets, one per line: the first inputs are the training points" };
        var time = new Option<double?>("--time") { Description = "training time tau (default: t -> infinity)" };
        var muW = new Option<double>("--mu-w") { Description = "shared-weight learning rate", DefaultValueFactory = _ => 1 };
        var muU = new Option<double>("--mu-u") { Description = "modulation learning rate", DefaultValueFactory = _ => 1 };
        var gamma = new Option<string>("--gamma") { Description = "gamma(M): 1, M, sqrt(M) or a number", DefaultValueFactory = _ => "M" };
        var format = new Option<string>("--format") { Description = "json (one file or standard output) or npy (a new folder of .npy matrices plus kernels.json, for large n)", DefaultValueFactory = _ => "json" };
        var output = new Option<string?>("--out") { Description = "write the JSON file (or, with --format npy, the new folder) here instead of standard output" };
        var threads = ExperimentsCli.ThreadsOption("the analytic kernels, all cores by default (the same bits for any count)", Environment.ProcessorCount);
        var command = new Command("kernels", "Writes analytic (and optionally empirical and trained) ensemble kernels as JSON or .npy.")
        {
            inputs, family, depth, members, activation, uLaw, vLaw, sigmaW, sigmaB, width, seed, targets, time, muW, muU, gamma, format, output, threads,
        };
        command.SetAction(result => ExperimentsCli.Guard(stderr, () =>
        {
            string familyName = result.GetValue(family)!;
            EnsembleFamily parsedFamily = familyName switch
            {
                "batch-ensemble" => EnsembleFamily.BatchEnsemble,
                "mc-dropout" => EnsembleFamily.McDropout,
                "independent" => EnsembleFamily.Independent,
                _ => throw new UsageException($"unknown family '{familyName}': use batch-ensemble, mc-dropout or independent"),
            };
            bool npy = result.GetValue(format) switch
            {
                "json" => false,
                "npy" => true,
                var f => throw new UsageException($"unknown format '{f}': use json or npy"),
            };
            string? outPath = result.GetValue(output);
            CheckOutput(outPath, npy);
            double[,] x = ReadMatrix(result.GetValue(inputs)!);
            bool dropout = parsedFamily == EnsembleFamily.McDropout;
            if (result.GetValue(width) is int requestedWidth && requestedWidth < 1) throw new UsageException($"--empirical-width must be at least 1, got {requestedWidth}");
            if (result.GetValue(time) is double t0 && !(t0 >= 0)) throw new UsageException($"--time must be a number >= 0, got {t0}");
            MlpSpec spec = OneLine(() => new MlpSpec
            {
                Family = parsedFamily,
                InputDim = x.GetLength(1),
                Depth = result.GetValue(depth),
                Members = result.GetValue(members),
                Width = result.GetValue(width) ?? 1,
                Activation = Activation.Parse(result.GetValue(activation)!),
                ULaw = ModulationLaw.Parse(result.GetValue(uLaw) ?? (dropout ? "bernoulli(0.5)" : "sign(1)")),
                VLaw = ModulationLaw.Parse(result.GetValue(vLaw) ?? (dropout ? "const(1)" : "sign(1)")),
                SigmaW = result.GetValue(sigmaW),
                SigmaB = result.GetValue(sigmaB),
            }.Validate());
            CheckInputScale(x, spec);
            CheckMemory(x.GetLength(0), spec, result.GetValue(width), trained: result.GetValue(targets) is not null, json: !npy);
            TrainingRule? scales = null;
            double[]? y = null;
            if (result.GetValue(targets) is string targetFile)
            {
                y = ReadMatrix(targetFile) is var tm && tm.GetLength(1) == 1
                    ? Enumerable.Range(0, tm.GetLength(0)).Select(i => tm[i, 0]).ToArray()
                    : throw new UsageException($"targets file '{targetFile}' must hold one number per line");
                if (y.Length > x.GetLength(0)) throw new UsageException($"{y.Length} targets for {x.GetLength(0)} inputs");
                scales = OneLine(() => new TrainingRule(result.GetValue(muW), result.GetValue(muU), GammaRule.Parse(result.GetValue(gamma)!)).Validate());
            }

            EnsembleKernels kernels = AnalyticKernels.Compute(spec, x, threads: result.GetValue(threads));
            if (NonFinite(kernels) is string problem)
            {
                stderr.WriteLine($"error: {problem}");
                return ExperimentsCli.Failed;
            }

            EmpiricalOutput? empirical = null;
            if (result.GetValue(width) is int w)
            {
                TorchRuntime.EnsureLoaded();
                using var model = new EnsembleMlp(spec, result.GetValue(seed), TorchSharp.torch.ScalarType.Float64);
                EmpiricalNtk ntk = EmpiricalKernels.Ntk(model, x);
                empirical = new EmpiricalOutput(w, result.GetValue(seed), Matrix.ToJagged(ntk.SharedSame), Matrix.ToJagged(ntk.SharedCross), Matrix.ToJagged(ntk.MemberSame));
            }

            TrainedOutput? trained = null;
            if (scales is not null && y is not null)
            {
                double tau = result.GetValue(time) ?? double.PositiveInfinity;
                TrainedPrediction p;
                try
                {
                    p = TrainedEnsemble.PredictMean(kernels, scales, y.Length, y, tau);
                }
                catch (ArithmeticException e)
                {
                    stderr.WriteLine($"error: the trained ensemble could not be computed: {e.Message.Split('\n')[0]}");
                    return ExperimentsCli.Failed;
                }
                trained = new TrainedOutput(double.IsInfinity(tau) ? null : tau, scales.MuW, scales.MuU, scales.Gamma.ToString(),
                    p.Mean, Enumerable.Range(0, p.Mean.Length).Select(i => p.Covariance[i, i]).ToArray());
                if (!p.Mean.Concat(trained.Variance).All(double.IsFinite))
                {
                    stderr.WriteLine("error: the trained ensemble's mean or variance is not finite (the kernel matrix is too ill-conditioned for these targets)");
                    return ExperimentsCli.Failed;
                }
            }

            if (npy)
            {
                WriteNpyFolder(outPath!, kernels, x, new Output(KernelReport.From(kernels, x, matrices: false), empirical, trained));
            }
            else
            {
                string json = CanonicalJson.Serialize(new Output(KernelReport.From(kernels, x), empirical, trained));
                if (outPath is not null)
                {
                    AtomicFile.WriteAllText(outPath, json);
                }
                else
                {
                    stdout.Write(json);
                }
            }
            return ExperimentsCli.Ok;
        }));
        return command;
    }

    // --out must name a file in an existing folder (json) or a new folder in an existing one (npy): checked before the work.
    private static void CheckOutput(string? path, bool npy)
    {
        if (path is null)
        {
            if (npy) throw new UsageException("--format npy needs --out <new folder>");
            return;
        }
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar));
        if (parent is null || !Directory.Exists(parent)) throw new UsageException($"--out '{path}': the folder '{parent}' does not exist");
        if (Directory.Exists(full))
        {
            throw new UsageException(npy
                ? $"--out '{path}' already exists; --format npy writes a new folder"
                : $"--out '{path}' is a folder; give a file name (or use --format npy for a folder of .npy files)");
        }
        if (npy && File.Exists(full)) throw new UsageException($"--out '{path}' is a file; --format npy writes a new folder");
    }

    // The kernels multiply variances (K11 K22) and square covariances: sigma_w^2 |x|^2 / N_0 above 1e150 overflows.
    private static void CheckInputScale(double[,] x, MlpSpec spec)
    {
        const double limit = 1e150;
        for (int i = 0; i < x.GetLength(0); i++)
        {
            double squared = 0;
            for (int d = 0; d < x.GetLength(1); d++)
            {
                squared += x[i, d] * x[i, d];
            }
            double k = spec.SigmaW * spec.SigmaW * squared / x.GetLength(1) + spec.SigmaB * spec.SigmaB;
            if (!(k <= limit))
            {
                throw new UsageException($"input row {i + 1} is too large: its pre-activation variance sigma_w^2 |x|^2/N_0 = {k.ToString("G3", CultureInfo.InvariantCulture)} overflows the kernel arithmetic (at most {limit:G0})");
            }
        }
    }

    // Peak memory of the work, estimated before it: the analytic fold keeps its 10 output matrices of n x n doubles (the
    // kernels and their error bounds), the trained ensemble up to 16 more (mean-mode kernels, eigenvectors, products),
    // JSON adds about 300 bytes per matrix entry (6 matrices as text, UTF-16 and UTF-8 copies); a finite
    // network keeps its weights (L N^2) and, for the NTK, a few (M n) x N activations per layer and the (M n)^2 blocks.
    private static void CheckMemory(int n, MlpSpec spec, int? width, bool trained, bool json)
    {
        double entries = (double)n * n;
        const double jsonLimit = 1.5e9; // characters: one .NET string holds at most 2^30 UTF-16 pairs
        if (json && 6 * 25 * entries > jsonLimit)
        {
            throw new UsageException($"{n} inputs give about {6 * 25 * entries / 1e9:G2} GB of JSON text, more than one JSON text can hold; use --format npy --out <new folder>");
        }
        double bytes = 8 * entries * (10 + (trained ? 16 : 0)) + (json ? 300 * entries : 0);
        if (width is int w)
        {
            double mn = (double)spec.Members * n;
            bytes += 8 * (3.0 * spec.Depth * w * w + 10.0 * spec.Depth * mn * w + 4 * mn * mn);
        }
        double available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > 0.8 * available)
        {
            string what = width is int ew && 8 * 3.0 * spec.Depth * ew * ew > 0.4 * available ? $"--empirical-width {ew}" : $"{n} inputs";
            throw new UsageException($"{what} would need about {bytes / 1e9:G3} GB, more than the {0.8 * available / 1e9:G3} GB available{(json && width is null ? " (--format npy needs far less)" : "")}");
        }
    }

    // The first kernel with a NaN or infinite entry, named (the input check bounds the inputs; this catches the rest).
    private static string? NonFinite(EnsembleKernels k)
    {
        foreach ((string name, double[,] m) in new[]
        {
            ("nngp_same", k.NngpSame), ("nngp_cross", k.NngpCross), ("ntk_shared_same", k.NtkSharedSame),
            ("ntk_shared_cross", k.NtkSharedCross), ("ntk_member", k.NtkMember),
        })
        {
            foreach (double v in m)
            {
                if (!double.IsFinite(v)) return $"the {name} kernel has a non-finite entry ({v}): the inputs or sigma_w are too large for float64";
            }
        }
        return null;
    }

    // Runs a validation and turns a multi-line ArgumentException message (".. (Parameter 'x')\nActual value ..") into one line.
    private static T OneLine<T>(Func<T> make)
    {
        try
        {
            return make();
        }
        catch (ArgumentException e)
        {
            string message = e.Message.Split('\n')[0];
            int parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            throw new UsageException(parameter > 0 ? message[..parameter] : message);
        }
    }

    // The matrices as .npy files (format 1.0, little-endian float64, C order) in a new folder, plus kernels.json with
    // the settings (its matrices empty); written in a temp folder beside it and moved into place.
    private static void WriteNpyFolder(string path, EnsembleKernels k, double[,] x, Output settings)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        string temp = full + AtomicFile.TempSuffix + "-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(temp);
        try
        {
            KernelErrors e = k.Errors ?? throw new InvalidOperationException("analytic kernels carry their error estimate");
            double[][,] matrices =
            [
                x, k.NngpSame, k.NngpCross, k.NtkSharedSame, k.NtkSharedCross, k.NtkMember,
                e.NngpSame, e.NngpCross, e.NtkSharedSame, e.NtkSharedCross, e.NtkMember,
            ];
            for (int i = 0; i < matrices.Length; i++)
            {
                Npy.Write(Path.Combine(temp, NpyNames[i] + ".npy"), matrices[i]);
            }
            File.WriteAllText(Path.Combine(temp, "kernels.json"), CanonicalJson.Serialize(settings));
            Directory.Move(temp, full);
        }
        catch
        {
            Directory.Delete(temp, recursive: true);
            throw;
        }
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
        if (rows.Count == 0) throw new UsageException($"{path}: the file is empty (expected one input per row, numbers separated by commas)");
        int bad = rows.FindIndex(r => r.Length != rows[0].Length);
        if (bad >= 0) throw new UsageException($"{path}: row {bad + 1} has {rows[bad].Length} numbers, row 1 has {rows[0].Length}");
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
