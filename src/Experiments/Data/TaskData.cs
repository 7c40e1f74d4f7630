using TorchSharp;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// One learning task held in memory: train and test inputs and targets on the CPU.
/// Inputs are float32 [n, ...InputShape]. Targets are int64 class labels [n] for classification
/// (<see cref="Classes"/> &gt; 0) or float32 [n, D] for regression (<see cref="Classes"/> = 0).
/// The task owns its four tensors and disposes them with itself.
/// </summary>
public sealed record TaskData : IDisposable
{
    /// <summary>Builds a task after checking that shapes and types agree; throws <see cref="ArgumentException"/> otherwise.</summary>
    public TaskData(string name, Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int classes, IReadOnlyList<long> inputShape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(trainX);
        ArgumentNullException.ThrowIfNull(trainY);
        ArgumentNullException.ThrowIfNull(testX);
        ArgumentNullException.ThrowIfNull(testY);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (classes < 0 || classes == 1)
        {
            throw new ArgumentException($"task '{name}': classes must be 0 (regression) or at least 2, got {classes}", nameof(classes));
        }
        CheckSplit(name, "train", trainX, trainY, classes, inputShape);
        CheckSplit(name, "test", testX, testY, classes, inputShape);
        if (classes == 0 && trainY.shape[1] != testY.shape[1])
        {
            throw new ArgumentException($"task '{name}': train targets have {trainY.shape[1]} outputs but test targets have {testY.shape[1]}");
        }
        Name = name;
        TrainX = trainX;
        TrainY = trainY;
        TestX = testX;
        TestY = testY;
        Classes = classes;
        InputShape = inputShape.ToArray();
    }

    /// <summary>A short name ("mnist", "synthetic(...)").</summary>
    public string Name { get; }

    /// <summary>Training inputs, float32 [n, ...InputShape].</summary>
    public Tensor TrainX { get; }

    /// <summary>Training targets: int64 [n] labels, or float32 [n, D] regression targets.</summary>
    public Tensor TrainY { get; }

    /// <summary>Test inputs, float32 [m, ...InputShape].</summary>
    public Tensor TestX { get; }

    /// <summary>Test targets, like <see cref="TrainY"/>.</summary>
    public Tensor TestY { get; }

    /// <summary>The number of classes; 0 for regression.</summary>
    public int Classes { get; }

    /// <summary>The shape of one input, without the batch dimension ([1, 28, 28], [3, 32, 32], [784], [d]).</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>True for a regression task.</summary>
    public bool IsRegression => Classes == 0;

    /// <summary>The number of training examples.</summary>
    public long TrainSize => TrainX.shape[0];

    /// <summary>The number of test examples.</summary>
    public long TestSize => TestX.shape[0];

    /// <summary>The width of a model's output: the class count, or the regression target dimension.</summary>
    public long OutputDim => IsRegression ? TrainY.shape[1] : Classes;

    /// <summary>The number of input features when an input is flattened.</summary>
    public long InputFeatures => InputShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// A new task whose inputs are flattened to [n, <see cref="InputFeatures"/>] (for MLPs). The new task owns
    /// new tensors; this task stays valid and must still be disposed.
    /// </summary>
    public TaskData Flattened() => new(
        Name,
        TrainX.reshape(TrainSize, InputFeatures).clone(),
        TrainY.clone(),
        TestX.reshape(TestSize, InputFeatures).clone(),
        TestY.clone(),
        Classes,
        new[] { InputFeatures });

    /// <summary>
    /// A new task holding the first <paramref name="trainCount"/> training and <paramref name="testCount"/>
    /// test examples (copies). This task stays valid and must still be disposed.
    /// </summary>
    public TaskData Take(long trainCount, long testCount)
    {
        if (trainCount < 1 || trainCount > TrainSize)
        {
            throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, $"task '{Name}' has {TrainSize} training examples");
        }
        if (testCount < 1 || testCount > TestSize)
        {
            throw new ArgumentOutOfRangeException(nameof(testCount), testCount, $"task '{Name}' has {TestSize} test examples");
        }
        return new TaskData(
            Name,
            TrainX.narrow(0, 0, trainCount).clone(),
            TrainY.narrow(0, 0, trainCount).clone(),
            TestX.narrow(0, 0, testCount).clone(),
            TestY.narrow(0, 0, testCount).clone(),
            Classes,
            InputShape);
    }

    /// <summary>Disposes the four tensors.</summary>
    public void Dispose()
    {
        TrainX.Dispose();
        TrainY.Dispose();
        TestX.Dispose();
        TestY.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: train {TrainSize}, test {TestSize}, input [{string.Join(", ", InputShape)}], " +
        (IsRegression ? $"regression with {OutputDim} outputs" : $"{Classes} classes");

    private static void CheckSplit(string name, string split, Tensor x, Tensor y, int classes, IReadOnlyList<long> inputShape)
    {
        if (x.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"task '{name}': {split} inputs must be float32, got {x.dtype}");
        }
        if (x.dim() != inputShape.Count + 1 || !x.shape.Skip(1).SequenceEqual(inputShape))
        {
            throw new ArgumentException($"task '{name}': {split} inputs have shape [{string.Join(", ", x.shape)}], expected [n, {string.Join(", ", inputShape)}]");
        }
        if (classes > 0 && (y.dtype != ScalarType.Int64 || y.dim() != 1))
        {
            throw new ArgumentException($"task '{name}': {split} labels must be int64 [n], got {y.dtype} [{string.Join(", ", y.shape)}]");
        }
        if (classes == 0 && (y.dtype != ScalarType.Float32 || y.dim() != 2))
        {
            throw new ArgumentException($"task '{name}': {split} regression targets must be float32 [n, D], got {y.dtype} [{string.Join(", ", y.shape)}]");
        }
        if (x.shape[0] != y.shape[0])
        {
            throw new ArgumentException($"task '{name}': {split} has {x.shape[0]} inputs but {y.shape[0]} targets");
        }
    }
}
