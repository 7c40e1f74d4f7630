using System.Globalization;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// A teacher-student task: Gaussian inputs x ~ N(0, InputScale^2 I) of dimension <see cref="InputDim"/>, targets
/// from a fixed random teacher MLP with <see cref="TeacherDepth"/> hidden layers of <see cref="TeacherWidth"/> units
/// (NTK parameterisation: standard normal weights, each layer's pre-activation divided by sqrt(fan-in), no biases).
/// </summary>
/// <param name="InputDim">Input dimension d (at least 1).</param>
/// <param name="TrainSize">Training examples (at least 1).</param>
/// <param name="TestSize">Test examples (at least 1).</param>
/// <param name="Classes">0 for regression, else the class count (at least 2): the label is the argmax of the teacher's
/// calibrated logits.</param>
/// <param name="TeacherWidth">Hidden units per teacher layer (at least 1).</param>
/// <param name="TeacherDepth">Hidden layers of the teacher (0 gives a linear teacher).</param>
/// <param name="LabelNoise">Classification: the probability that a training label is replaced by one drawn uniformly
/// from all classes (so it changes with probability LabelNoise (C-1)/C), in [0, 1]. Regression: the standard deviation
/// of Gaussian noise added to the standardized training targets, at least 0.</param>
/// <param name="InputScale">Standard deviation of each input coordinate (positive).</param>
public sealed record SyntheticTaskSpec(
    int InputDim,
    int TrainSize,
    int TestSize,
    int Classes,
    int TeacherWidth,
    int TeacherDepth,
    double LabelNoise,
    double InputScale = 1.0)
{
    /// <summary>The teacher's nonlinearity; tanh unless set.</summary>
    public Activation TeacherActivation { get; init; } = Activation.Tanh;

    /// <summary>Regression only: the target dimension D (at least 1). Must stay 1 for classification.</summary>
    public int Outputs { get; init; } = 1;

    /// <summary>Whether label noise also corrupts the test targets (default: clean test targets).</summary>
    public bool NoisyTest { get; init; }

    /// <summary>True for a regression task (<see cref="Classes"/> = 0).</summary>
    public bool IsRegression => Classes == 0;

    /// <summary>Throws an <see cref="ArgumentException"/> with a one-line message naming the first bad field.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }
        Require(InputDim >= 1, $"synthetic task: InputDim must be at least 1, got {InputDim}");
        Require(TrainSize >= 1, $"synthetic task: TrainSize must be at least 1, got {TrainSize}");
        Require(TestSize >= 1, $"synthetic task: TestSize must be at least 1, got {TestSize}");
        Require(Classes == 0 || Classes >= 2, $"synthetic task: Classes must be 0 (regression) or at least 2, got {Classes}");
        Require(TeacherWidth >= 1, $"synthetic task: TeacherWidth must be at least 1, got {TeacherWidth}");
        Require(TeacherDepth >= 0, $"synthetic task: TeacherDepth must be at least 0, got {TeacherDepth}");
        Require(double.IsFinite(InputScale) && InputScale > 0, $"synthetic task: InputScale must be a positive number, got {F(InputScale)}");
        Require(TeacherActivation is not null, "synthetic task: TeacherActivation must be set");
        if (IsRegression)
        {
            Require(double.IsFinite(LabelNoise) && LabelNoise >= 0, $"synthetic task: LabelNoise (regression noise std) must be at least 0, got {F(LabelNoise)}");
            Require(Outputs >= 1, $"synthetic task: Outputs must be at least 1, got {Outputs}");
        }
        else
        {
            Require(LabelNoise >= 0 && LabelNoise <= 1, $"synthetic task: LabelNoise (probability of a random label) must be in [0, 1], got {F(LabelNoise)}");
            Require(Outputs == 1, $"synthetic task: Outputs applies to regression only; a classification task has one output per class, got Outputs = {Outputs}");
        }
    }

    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Generates <see cref="SyntheticTaskSpec"/> tasks deterministically from a seed.</summary>
/// <remarks>
/// Every random draw comes from its own CPU generator whose seed is derived from (seed, purpose): the teacher, the
/// train inputs, the test inputs and the noise of each split. So the teacher does not depend on the sample sizes, and
/// the test set does not depend on the training size. Torch's global generator is never touched. Arithmetic is in
/// float64 and only the results are rounded to float32; the teacher sees the rounded inputs it labels.
/// <para>Classification: the teacher's logits are standardized per class, then per-class offsets are fitted on a fixed
/// calibration sample (drawn with the teacher) so that each class takes about 1/C of the input distribution; the
/// label is the argmax of the calibrated logits. Regression: each output of the teacher is standardized to zero mean
/// and unit variance using the calibration sample.</para>
/// </remarks>
public static class SyntheticTask
{
    /// <summary>Size of the calibration sample that fixes class offsets or target standardization.</summary>
    public const int CalibrationSize = 8192;

    private const ulong TeacherStream = 1;
    private const ulong TrainInputStream = 2;
    private const ulong TestInputStream = 3;
    private const ulong TrainNoiseStream = 4;
    private const ulong TestNoiseStream = 5;

    /// <summary>Generates the task; same spec and seed give bitwise identical tensors.</summary>
    public static TaskData Generate(SyntheticTaskSpec spec, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        using var scope = NewDisposeScope();
        using var teacher = Teacher.Create(spec, seed);
        Tensor trainX = Inputs(spec, spec.TrainSize, DeriveSeed(seed, TrainInputStream));
        Tensor testX = Inputs(spec, spec.TestSize, DeriveSeed(seed, TestInputStream));
        Tensor trainY = Targets(spec, teacher, trainX, DeriveSeed(seed, TrainNoiseStream), noisy: true);
        Tensor testY = Targets(spec, teacher, testX, DeriveSeed(seed, TestNoiseStream), noisy: spec.NoisyTest);
        var task = new TaskData(
            Name(spec, seed),
            trainX.MoveToOuterDisposeScope(),
            trainY.MoveToOuterDisposeScope(),
            testX.MoveToOuterDisposeScope(),
            testY.MoveToOuterDisposeScope(),
            spec.Classes,
            new long[] { spec.InputDim });
        return task;
    }

    /// <summary>A seed for one purpose, mixed from the task seed (SplitMix64 finalizer), so streams do not overlap.</summary>
    public static long DeriveSeed(long seed, ulong stream)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * (stream + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (long)(z & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    private static string Name(SyntheticTaskSpec s, long seed) => string.Create(CultureInfo.InvariantCulture,
        $"synthetic-{(s.IsRegression ? "regression" : $"c{s.Classes}")}-d{s.InputDim}-w{s.TeacherWidth}x{s.TeacherDepth}-{s.TeacherActivation.Name}-seed{seed}");

    private static Tensor Inputs(SyntheticTaskSpec spec, int n, long seed)
    {
        using var g = new Generator((ulong)seed);
        using var z = randn(new long[] { n, spec.InputDim }, dtype: ScalarType.Float64, generator: g);
        return z.MulBy(spec.InputScale).to_type(ScalarType.Float32);
    }

    private static Tensor Targets(SyntheticTaskSpec spec, Teacher teacher, Tensor x, long noiseSeed, bool noisy)
    {
        using var scope = NewDisposeScope();
        Tensor f = teacher.Calibrated(x.to_type(ScalarType.Float64));
        using var g = new Generator((ulong)noiseSeed);
        long n = x.shape[0];
        if (spec.IsRegression)
        {
            Tensor y = f;
            if (noisy && spec.LabelNoise > 0)
            {
                y = y.Plus(randn(y.shape, dtype: ScalarType.Float64, generator: g).MulBy(spec.LabelNoise));
            }
            return y.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        }
        Tensor labels = f.argmax(1);
        if (noisy && spec.LabelNoise > 0)
        {
            using Scalar noise = spec.LabelNoise.ToScalar();
            Tensor flip = rand(new long[] { n }, dtype: ScalarType.Float64, generator: g).lt(noise);
            Tensor random = randint(spec.Classes, new long[] { n }, dtype: ScalarType.Int64, generator: g);
            labels = where(flip, random, labels);
        }
        return labels.to_type(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    /// <summary>The fixed random teacher with its calibration (class offsets or target standardization).</summary>
    private sealed class Teacher : IDisposable
    {
        private readonly SyntheticTaskSpec _spec;
        private readonly List<Tensor> _weights = new();
        private Tensor _shift = null!;
        private Tensor _scale = null!;

        private Teacher(SyntheticTaskSpec spec) => _spec = spec;

        public static Teacher Create(SyntheticTaskSpec spec, long seed)
        {
            var t = new Teacher(spec);
            using var g = new Generator((ulong)DeriveSeed(seed, TeacherStream));
            long fanIn = spec.InputDim;
            for (int l = 0; l < spec.TeacherDepth; l++)
            {
                using Scalar scale = Math.Sqrt(fanIn).ToScalar();
                t._weights.Add(randn(new long[] { fanIn, spec.TeacherWidth }, dtype: ScalarType.Float64, generator: g).div(scale));
                fanIn = spec.TeacherWidth;
            }
            long outputs = spec.IsRegression ? spec.Outputs : spec.Classes;
            using (Scalar scale = Math.Sqrt(fanIn).ToScalar())
            {
                t._weights.Add(randn(new long[] { fanIn, outputs }, dtype: ScalarType.Float64, generator: g).div(scale));
            }
            foreach (Tensor w in t._weights)
            {
                w.DetachFromDisposeScope();
            }
            using var scope = NewDisposeScope();
            Tensor calibrationX = randn(new long[] { CalibrationSize, spec.InputDim }, dtype: ScalarType.Float64, generator: g)
                .MulBy(spec.InputScale).to_type(ScalarType.Float32).to_type(ScalarType.Float64);
            Tensor raw = t.Raw(calibrationX);
            Tensor mean = raw.mean(new long[] { 0 });
            using Scalar floor = 1e-12.ToScalar();
            Tensor std = raw.std(0).clamp_min(floor);
            t._scale = std.reciprocal();
            t._shift = mean.neg().mul(t._scale);
            if (!spec.IsRegression)
            {
                Tensor standardized = raw.mul(t._scale).Plus(t._shift);
                t._shift = t._shift.Plus(BalancingOffsets(standardized, spec.Classes));
            }
            t._scale.DetachFromDisposeScope();
            t._shift.DetachFromDisposeScope();
            return t;
        }

        /// <summary>Teacher outputs, standardized (regression) or calibrated logits (classification).</summary>
        public Tensor Calibrated(Tensor x) => Raw(x).mul(_scale).Plus(_shift);

        public void Dispose()
        {
            foreach (Tensor w in _weights)
            {
                w.Dispose();
            }
            _shift?.Dispose();
            _scale?.Dispose();
        }

        private Tensor Raw(Tensor x)
        {
            Tensor h = x;
            for (int l = 0; l < _weights.Count - 1; l++)
            {
                h = _spec.TeacherActivation.Forward(h.matmul(_weights[l]));
            }
            return h.matmul(_weights[^1]);
        }

        /// <summary>
        /// Offsets b so that argmax(z + b) gives each class about 1/C of the calibration sample: a few hundred
        /// deterministic steps of b_c += step * C * (1/C - share_c), with a shrinking step.
        /// </summary>
        private static Tensor BalancingOffsets(Tensor logits, int classes)
        {
            var offsets = new double[classes];
            double n = logits.shape[0];
            double[] z = logits.data<double>().ToArray();
            int rows = (int)logits.shape[0];
            var counts = new int[classes];
            double step = 0.5;
            for (int iteration = 0; iteration < 400; iteration++)
            {
                Array.Clear(counts);
                for (int i = 0; i < rows; i++)
                {
                    int best = 0;
                    double bestValue = double.NegativeInfinity;
                    for (int c = 0; c < classes; c++)
                    {
                        double v = z[(i * classes) + c] + offsets[c];
                        if (v > bestValue)
                        {
                            bestValue = v;
                            best = c;
                        }
                    }
                    counts[best]++;
                }
                for (int c = 0; c < classes; c++)
                {
                    offsets[c] += step * classes * ((1.0 / classes) - (counts[c] / n));
                }
                step *= 0.99;
            }
            return tensor(offsets, ScalarType.Float64);
        }
    }
}
