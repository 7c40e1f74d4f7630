using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Configurations;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Metrics;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>
/// E8 `which-batchensemble`: the named configurations of <see cref="EnsembleConfigurations"/> trained on one image
/// task with its last classes held out, measured for accuracy and calibration (also under rotation and noise), member
/// diversity in function and parameter space, out-of-distribution detection, and the analytic cross-member
/// correlation at initialization beside the measured one.
/// <para>
/// Out-of-distribution inputs. Near: the held-out classes of the same set (same pixel statistics, unseen objects:
/// for Fashion-MNIST, classes 8 and 9, bag and ankle boot, the latter close to the trained sneaker and sandal). Far:
/// Gaussian noise with the training set's per-pixel mean and standard deviation, and test images with one fixed
/// random permutation of their pixels (each image keeps its pixel values, loses its structure). Shift, for calibration
/// only: the in-distribution test images rotated by 90 degrees, and with Gaussian noise of half the pixels' standard
/// deviation added.
/// </para>
/// </summary>
public static class WhichBatchEnsemble
{
    /// <summary>One training run of one configuration.</summary>
    /// <param name="Configuration">The configuration's name (<see cref="EnsembleConfigurations.Named"/>).</param>
    /// <param name="Description">The configuration's canonical description, so a changed definition changes the cell's identity.</param>
    /// <param name="Members">Requested ensemble size (a single network builds 1).</param>
    /// <param name="Width">Hidden width.</param>
    /// <param name="Depth">Hidden layers.</param>
    /// <param name="LearningRate">eta (see <see cref="EnsembleConfiguration.Rule"/>).</param>
    /// <param name="Momentum">SGD momentum.</param>
    /// <param name="Epochs">Training epochs.</param>
    /// <param name="BatchSize">Mini-batch size.</param>
    /// <param name="Task">An image data set's name (square grey-scale images, flattened for the MLP).</param>
    /// <param name="HeldOutClasses">The last classes, left out of training: the near out-of-distribution set.</param>
    /// <param name="TrainLimit">At most this many training examples (0: all).</param>
    /// <param name="Repeat">Repeat index.</param>
    public sealed record Cell(
        string Configuration, string Description, int Members, int Width, int Depth, double LearningRate, double Momentum,
        int Epochs, int BatchSize, string Task, int HeldOutClasses, int TrainLimit, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Configuration} width={Width} M={Members} repeat={Repeat}";

        /// <summary>The configuration this cell trains.</summary>
        public EnsembleConfiguration Definition => EnsembleConfigurations.Named(Configuration);

        /// <inheritdoc />
        public void Validate()
        {
            if (Definition.Description != Description)
            {
                throw new ArgumentException($"configuration '{Configuration}' is now '{Definition.Description}', the cell says '{Description}'");
            }
            if (Width < 1 || Depth < 1 || Members < 1) throw new ArgumentException($"width, depth and M must be >= 1 (got {Width}, {Depth}, {Members})");
            if (!(LearningRate > 0) || !(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"bad learning rate {LearningRate} or momentum {Momentum}");
            if (Epochs < 1 || BatchSize < 1 || TrainLimit < 0) throw new ArgumentException("epochs and batch size must be >= 1, the train limit >= 0");
            TaskShape shape = TaskSource.Shape(Config(this));
            if (HeldOutClasses < 1 || shape.Classes - HeldOutClasses < 2)
            {
                throw new ArgumentException($"held-out classes must leave at least 2 of {shape.Classes} classes to train on, got {HeldOutClasses}");
            }
            ImageSide(shape.InputShape[0]);
            Definition.Spec((int)shape.InputShape[0], Width, Depth, shape.Classes - HeldOutClasses, Members);
        }
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        ResultLayout.WhichBatchEnsemble.Experiment,
        "BatchEnsemble as commonly configured (N(1, 0.5) fast weights, loss averaged over M*B rows: gamma = 1) is collective and tracks a single network in ensemble gain and OOD detection; the independent regime (sign laws, gamma = M) reaches independent networks; trained member correlation is ordered as the analytic cross-member correlation at initialization.",
        Grid,
        Run,
        profile => new[] { Task(profile) });

    /// <summary>
    /// The task: the embedded Fashion-MNIST subset (5,000 training and 2,000 test images; 4,000 and 1,600 of the 8
    /// trained classes) in the quick and smoke profiles, full Fashion-MNIST in the paper profile.
    /// </summary>
    public static string Task(Profile profile) => profile == Profile.Paper ? "fashion-mnist" : TaskSource.QuickImageTask;

    /// <summary>Classes 8 and 9 (bag, ankle boot) are held out of training: the near out-of-distribution set.</summary>
    public const int HeldOutClasses = 2;

    /// <summary>eta per parameterization: the NTK rate of the other training experiments, a usual SGD rate for the standard one.</summary>
    public static double LearningRate(Parameterization parameterization) => parameterization == Parameterization.Ntk ? 0.5 : 0.05;

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        (int repeats, int epochs, int[] widths, int trainLimit) = profile switch
        {
            Profile.Smoke => (1, 1, new[] { 16 }, 256),
            Profile.Quick => (10, 8, new[] { 128 }, 0),
            _ => (5, 20, new[] { 256, 1024 }, 0),
        };
        const int members = 4;
        var cells = new List<Cell>();
        for (int r = 0; r < repeats; r++)
        {
            foreach (int width in widths)
            {
                foreach (EnsembleConfiguration c in EnsembleConfigurations.All)
                {
                    cells.Add(new Cell(c.Name, c.Description, members, width, Depth: 2, LearningRate(c.Parameterization), Momentum: 0.9,
                        epochs, BatchSize: 64, Task(profile), HeldOutClasses, trainLimit, r));
                }
            }
        }
        return cells;
    }

    /// <summary>The columns of rows.csv (the results contract), one row per cell.</summary>
    public static IReadOnlyList<string> Columns => ResultLayout.WhichBatchEnsemble.Rows;

    /// <summary>Inputs the analytic kernels are computed on: the first in-distribution test images.</summary>
    public const int AnalyticPoints = 6;

    private static CellOutput Run(Cell cell, CellContext context)
    {
        EnsembleConfiguration configuration = cell.Definition;
        using var full = TaskSource.Load(Config(cell), cell.Repeat, context);
        using var sets = EvaluationSets.Split(full, cell, context);
        MlpSpec spec = configuration.Spec((int)sets.TrainX.shape[1], cell.Width, cell.Depth, sets.Classes, cell.Members);
        TrainingRule rule = configuration.Rule(cell.LearningRate, cell.Members, cell.Momentum);
        using var model = new EnsembleMlp(spec, context.SeedFor("init"), device: context.Device);

        double initCorrelation;
        using (Tensor initial = Outputs(model, sets.TestX, context))
        {
            initCorrelation = LogitCorrelation(initial);
        }
        double initCosine = WeightCosine(model);
        bool diverged = Train(model, rule, cell, sets, context);

        using var scope = NewDisposeScope();
        Tensor test = Outputs(model, sets.TestX, context);
        ClassificationMetrics ens = EnsembleMetrics.Classification(test, sets.TestY);
        ClassificationMetrics[] members = Enumerable.Range(0, spec.Members)
            .Select(a => EnsembleMetrics.Classification(test.narrow(0, a, 1), sets.TestY)).ToArray();
        double[] entropyIn = DiversityMetrics.PredictiveEntropy(test), miIn = DiversityMetrics.MutualInformation(test);
        var ood = new List<object>();
        foreach (Tensor x in new[] { sets.HeldOutX, sets.NoiseX, sets.PermutedX })
        {
            Tensor outputs = Outputs(model, x, context);
            ood.Add(Auroc(entropyIn, DiversityMetrics.PredictiveEntropy(outputs)));
            ood.Add(Auroc(miIn, DiversityMetrics.MutualInformation(outputs)));
        }
        var shift = new List<object>();
        foreach (Tensor x in new[] { sets.RotatedX, sets.NoisyX })
        {
            ClassificationMetrics m = EnsembleMetrics.Classification(Outputs(model, x, context), sets.TestY);
            shift.AddRange(new object[] { m.Accuracy, m.Nll, m.Ece });
        }
        (double nngpRatio, double ntkRatio) = AnalyticCrossRatios(spec, rule, sets.TestX);

        double memberNll = members.Average(m => m.Nll);
        var values = new List<object>
        {
            cell.Task, configuration.Name, spec.Family.ToString().ToLowerInvariant(),
            spec.Family == EnsembleFamily.Independent ? double.NaN : spec.ULaw.Mean, rule.Gamma.Value(spec.Members),
            spec.Parameterization.ToString().ToLowerInvariant(), spec.Members, cell.Width,
            ens.Accuracy, ens.Nll, ens.Ece, ens.Brier,
            members.Average(m => m.Accuracy), memberNll, members.Average(m => m.Ece), members.Average(m => m.Brier), memberNll - ens.Nll,
            ens.Disagreement, ens.OutputCorrelation, LogitCorrelation(test), DiversityMetrics.MeanPairwiseKl(test), WeightCosine(model),
            initCorrelation, initCosine, nngpRatio, ntkRatio,
        };
        values.AddRange(ood);
        values.AddRange(shift);
        return new CellOutput(new ResultTable(Columns.ToArray()).Add(values.ToArray()), Diverged: diverged);
    }

    /// <summary>Mini-batch SGD under the configuration's rule; each epoch's order from (seed, epoch). True when the loss diverged.</summary>
    private static bool Train(EnsembleMlp model, TrainingRule rule, Cell cell, EvaluationSets sets, CellContext context)
    {
        using var trainer = new EnsembleTrainer(model, rule);
        using Tensor x = sets.TrainX.to(context.Device), y = sets.TrainY.to(context.Device);
        long n = x.shape[0];
        for (int epoch = 1; epoch <= cell.Epochs; epoch++)
        {
            using var order = TorchRuntime.Generator(context.SeedFor($"order/epoch-{epoch}"));
            using Tensor permutation = randperm(n, generator: order).to(context.Device);
            for (long start = 0; start < n; start += cell.BatchSize)
            {
                using var scope = NewDisposeScope();
                Tensor index = permutation.narrow(0, start, Math.Min(cell.BatchSize, n - start));
                if (!double.IsFinite(trainer.Step(x.index_select(0, index), y.index_select(0, index)).SummedLoss))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Member logits [M, B, C] on the CPU, without gradients.</summary>
    private static Tensor Outputs(EnsembleMlp model, Tensor x, CellContext context)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return model.MemberOutputs(x.to(context.Device)).cpu().MoveToOuterDisposeScope();
    }

    // A diverged model's scores are not finite: its AUROC is undefined (NaN) rather than an error.
    private static double Auroc(double[] inScores, double[] outScores) =>
        inScores.Concat(outScores).All(double.IsFinite) ? DiversityMetrics.Auroc(inScores, outScores) : double.NaN;

    // The mean pairwise Pearson correlation of member logits: EnsembleMetrics' output correlation (the targets do not enter it).
    private static double LogitCorrelation(Tensor logits)
    {
        using var targets = zeros(logits.shape[1], logits.shape[2]);
        return EnsembleMetrics.Regression(logits, targets).OutputCorrelation;
    }

    private static double WeightCosine(EnsembleMlp model)
    {
        using Tensor weights = CommonBatchEnsemble.EffectiveWeights(model);
        return DiversityMetrics.MeanPairwiseCosine(weights);
    }

    /// <summary>
    /// The analytic cross/same ratios at initialization on the first <see cref="AnalyticPoints"/> test inputs, mean over the
    /// inputs of the diagonal ratio: NNGP Sigma_c/Sigma_s (the initial correlation of two members' outputs; the same
    /// for both parameterizations, which give one distribution at initialization) and the training NTK
    /// Theta_c/Theta_s under the configuration's rule (NTK parameterization only: NaN for standard). NaN for M = 1.
    /// </summary>
    private static (double Nngp, double Ntk) AnalyticCrossRatios(MlpSpec spec, TrainingRule rule, Tensor testX)
    {
        if (spec.Members < 2) return (double.NaN, double.NaN);
        using Tensor first = testX.narrow(0, 0, Math.Min(AnalyticPoints, testX.shape[0])).to_type(ScalarType.Float64).contiguous();
        double[,] x = Matrix.FromRowMajor(first.data<double>().ToArray(), (int)first.shape[0], (int)first.shape[1]);
        EnsembleKernels k = AnalyticKernels.Compute(spec with { Parameterization = Parameterization.Ntk }, x);
        double nngp = DiagonalRatio(k.NngpCross, k.NngpSame);
        if (spec.Parameterization != Parameterization.Ntk) return (nngp, double.NaN);
        return (nngp, DiagonalRatio(k.Combined(rule, same: false), k.Combined(rule, same: true)));
    }

    private static double DiagonalRatio(double[,] cross, double[,] same) =>
        Enumerable.Range(0, same.GetLength(0)).Average(i => cross[i, i] / same[i, i]);

    /// <summary>The side of the square image a flat input of <paramref name="features"/> values holds.</summary>
    private static int ImageSide(long features)
    {
        int side = (int)Math.Round(Math.Sqrt(features));
        if ((long)side * side != features) throw new ArgumentException($"inputs must be square images for the rotation shift, got {features} features");
        return side;
    }

    /// <summary>
    /// A cell's training as the cost estimate counts it: <see cref="Config"/>, and the in-distribution training set
    /// (the held-out classes' share of the stratified train set left out, then the train limit).
    /// </summary>
    public static (TrainConfig Config, TaskShape Task) Training(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        TrainConfig config = Config(cell);
        TaskShape full = TaskSource.Shape(config);
        int kept = full.Classes - cell.HeldOutClasses;
        int train = (int)((long)full.TrainSize * kept / full.Classes);
        return (config, full with { TrainSize = cell.TrainLimit > 0 ? Math.Min(train, cell.TrainLimit) : train, Classes = kept });
    }

    /// <summary>The cell's configuration as a training configuration: its model, learning rates and task (what TaskSource reads).</summary>
    private static TrainConfig Config(Cell cell)
    {
        EnsembleConfiguration c = cell.Definition;
        TrainingRule rule = c.Rule(cell.LearningRate, cell.Members, cell.Momentum);
        return new TrainConfig(Architecture.Mlp, c.Family, c.ULaw, c.VLaw, c.Gamma, c.Members(cell.Members), cell.Width, cell.Depth,
            c.Parameterization, rule.MuW, rule.MuU, cell.Momentum, cell.Epochs, cell.BatchSize, cell.Task, Synthetic: null);
    }

    /// <summary>The training set and every evaluation set of a cell, built from one task (float32, CPU; owned here).</summary>
    private sealed class EvaluationSets : IDisposable
    {
        private readonly List<Tensor> _owned = new();

        public required int Classes { get; init; }
        public required Tensor TrainX { get; init; }
        public required Tensor TrainY { get; init; }
        public required Tensor TestX { get; init; }
        public required Tensor TestY { get; init; }
        public required Tensor HeldOutX { get; init; }
        public required Tensor NoiseX { get; init; }
        public required Tensor PermutedX { get; init; }
        public required Tensor RotatedX { get; init; }
        public required Tensor NoisyX { get; init; }

        public static EvaluationSets Split(TaskData task, Cell cell, CellContext context)
        {
            using var scope = NewDisposeScope();
            int kept = task.Classes - cell.HeldOutClasses;
            using Scalar keptLabel = kept.ToScalar();
            Tensor trainIndex = task.TrainY.lt(keptLabel).nonzero().squeeze(1);
            if (cell.TrainLimit > 0 && trainIndex.shape[0] > cell.TrainLimit)
            {
                trainIndex = trainIndex.narrow(0, 0, cell.TrainLimit);
            }
            Tensor trainX = task.TrainX.index_select(0, trainIndex), trainY = task.TrainY.index_select(0, trainIndex);
            Tensor inTest = task.TestY.lt(keptLabel).nonzero().squeeze(1), outTest = task.TestY.ge(keptLabel).nonzero().squeeze(1);
            Tensor testX = task.TestX.index_select(0, inTest), testY = task.TestY.index_select(0, inTest);
            long n = testX.shape[0], d = testX.shape[1];
            int side = ImageSide(d);

            Tensor pixelMean = trainX.mean([0]), pixelStd = trainX.std(0);
            using var noise = TorchRuntime.Generator(context.SeedFor("ood-noise"));
            Tensor noiseX = randn(new[] { n, d }, generator: noise).mul(pixelStd).Plus(pixelMean);
            using var permutation = TorchRuntime.Generator(context.SeedFor("ood-permutation"));
            Tensor permutedX = testX.index_select(1, randperm(d, generator: permutation));
            Tensor rotatedX = testX.view(n, side, side).transpose(1, 2).flip(1).reshape(n, d);
            using var shift = TorchRuntime.Generator(context.SeedFor("shift-noise"));
            Tensor noisyX = testX.Plus(randn(new[] { n, d }, generator: shift).MulBy(0.5 * trainX.std().item<float>()));

            var owned = new List<Tensor>();
            Tensor Keep(Tensor t)
            {
                Tensor result = t.contiguous().MoveToOuterDisposeScope();
                owned.Add(result);
                return result;
            }
            var sets = new EvaluationSets
            {
                Classes = kept,
                TrainX = Keep(trainX), TrainY = Keep(trainY), TestX = Keep(testX), TestY = Keep(testY),
                HeldOutX = Keep(task.TestX.index_select(0, outTest)),
                NoiseX = Keep(noiseX), PermutedX = Keep(permutedX), RotatedX = Keep(rotatedX), NoisyX = Keep(noisyX),
            };
            sets._owned.AddRange(owned);
            return sets;
        }

        public void Dispose()
        {
            foreach (Tensor t in _owned) t.Dispose();
        }
    }
}
