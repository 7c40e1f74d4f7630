using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Runtime;
using TorchSharp;

namespace EEArtifacts.Experiments.Tests.Data;

/// <summary>Tests that use torch's global generator run alone, so no other test draws from it meanwhile.</summary>
[CollectionDefinition(nameof(GlobalTorchGeneratorCollection), DisableParallelization = true)]
public sealed class GlobalTorchGeneratorCollection
{
}

[Collection(nameof(GlobalTorchGeneratorCollection))]
public sealed class SyntheticTaskGlobalGeneratorTests
{
    public SyntheticTaskGlobalGeneratorTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void GenerationLeavesTheGlobalGeneratorAlone()
    {
        var spec = new SyntheticTaskSpec(16, 2000, 500, 10, 64, 2, 0.2);
        torch.manual_seed(7);
        using var before = torch.rand(4);
        torch.manual_seed(7);
        using (SyntheticTask.Generate(spec, 3))
        {
        }
        using var after = torch.rand(4);
        Assert.Equal(before.data<float>().ToArray(), after.data<float>().ToArray());
    }
}

public sealed class SyntheticTaskTests
{
    public SyntheticTaskTests() => TorchRuntime.EnsureLoaded();

    private static SyntheticTaskSpec Classification(int classes = 10, double noise = 0.0) =>
        new(InputDim: 16, TrainSize: 2000, TestSize: 500, Classes: classes, TeacherWidth: 64, TeacherDepth: 2, LabelNoise: noise);

    private static SyntheticTaskSpec Regression(double noise = 0.0) =>
        new(InputDim: 8, TrainSize: 3000, TestSize: 400, Classes: 0, TeacherWidth: 32, TeacherDepth: 1, LabelNoise: noise) { Outputs = 2 };

    private static byte[] Bytes(torch.Tensor t) => t.bytes.ToArray();

    [Fact]
    public void SameSeedGivesBitwiseIdenticalTensors()
    {
        foreach (SyntheticTaskSpec spec in new[] { Classification(noise: 0.2), Regression(noise: 0.3) })
        {
            using TaskData a = SyntheticTask.Generate(spec, 42);
            using TaskData b = SyntheticTask.Generate(spec, 42);
            Assert.Equal(Bytes(a.TrainX), Bytes(b.TrainX));
            Assert.Equal(Bytes(a.TrainY), Bytes(b.TrainY));
            Assert.Equal(Bytes(a.TestX), Bytes(b.TestX));
            Assert.Equal(Bytes(a.TestY), Bytes(b.TestY));
            Assert.Equal(a.Name, b.Name);
        }
    }

    [Fact]
    public void DifferentSeedsDiffer()
    {
        using TaskData a = SyntheticTask.Generate(Classification(), 1);
        using TaskData b = SyntheticTask.Generate(Classification(), 2);
        Assert.NotEqual(Bytes(a.TrainX), Bytes(b.TrainX));
        Assert.NotEqual(Bytes(a.TestX), Bytes(b.TestX));
        Assert.NotEqual(Bytes(a.TrainY), Bytes(b.TrainY));
    }

    [Theory]
    [InlineData(2, 10, 3, "relu", 1.0)]
    [InlineData(64, 10, 1, "tanh", 0.3)]
    [InlineData(8, 5, 4, "relu", 3.0)]
    [InlineData(32, 3, 0, "tanh", 1.0)]
    [InlineData(16, 20, 2, "erf", 1.0)]
    public void ClassesAreRoughlyBalancedAcrossTeachers(int inputDim, int classes, int depth, string activation, double scale)
    {
        var spec = new SyntheticTaskSpec(inputDim, 4000, 10, classes, 128, depth, 0.0, scale) { TeacherActivation = Activation.Parse(activation) };
        using TaskData task = SyntheticTask.Generate(spec, 1234);
        using var counts = task.TrainY.bincount(null, classes);
        double expected = 4000.0 / classes;
        Assert.All(counts.data<long>().ToArray(), c => Assert.InRange(c, 0.6 * expected, 1.4 * expected));
    }

    [Fact]
    public void ClassificationHasTheDeclaredShapesTypesAndRoughlyBalancedClasses()
    {
        foreach (int classes in new[] { 2, 10 })
        {
            foreach (Activation activation in new[] { Activation.Tanh, Activation.Relu })
            {
                using TaskData task = SyntheticTask.Generate(Classification(classes) with { TeacherActivation = activation }, 11);
                Assert.Equal(new long[] { 2000, 16 }, task.TrainX.shape);
                Assert.Equal(new long[] { 500, 16 }, task.TestX.shape);
                Assert.Equal(torch.ScalarType.Float32, task.TrainX.dtype);
                Assert.Equal(torch.ScalarType.Int64, task.TrainY.dtype);
                Assert.Equal(new long[] { 2000 }, task.TrainY.shape);
                Assert.Equal(classes, task.Classes);
                Assert.Equal(new long[] { 16 }, task.InputShape);
                long[] counts = task.TrainY.bincount(null, classes).data<long>().ToArray();
                Assert.Equal(classes, counts.Length);
                double expected = 2000.0 / classes;
                Assert.All(counts, c => Assert.InRange(c, 0.6 * expected, 1.4 * expected));
            }
        }
    }

    [Fact]
    public void InputsHaveTheRequestedScale()
    {
        using TaskData task = SyntheticTask.Generate(Classification() with { InputScale = 2.5 }, 5);
        double std = task.TrainX.std().item<float>();
        double mean = task.TrainX.mean().item<float>();
        Assert.InRange(std, 2.4, 2.6);
        Assert.InRange(mean, -0.1, 0.1);
    }

    [Fact]
    public void LabelNoiseChangesAboutTheDeclaredShareOfTrainingLabelsAndNoTestLabels()
    {
        using TaskData clean = SyntheticTask.Generate(Classification(10, 0.0), 9);
        using TaskData noisy = SyntheticTask.Generate(Classification(10, 0.3), 9);
        Assert.Equal(Bytes(clean.TrainX), Bytes(noisy.TrainX));
        Assert.Equal(Bytes(clean.TestY), Bytes(noisy.TestY));
        double changed = clean.TrainY.ne(noisy.TrainY).to_type(torch.ScalarType.Float64).mean().item<double>();
        Assert.InRange(changed, 0.27 - 0.05, 0.27 + 0.05); // 0.3 * 9/10

        using TaskData noisyTest = SyntheticTask.Generate(Classification(10, 0.3) with { NoisyTest = true }, 9);
        Assert.NotEqual(Bytes(clean.TestY), Bytes(noisyTest.TestY));
    }

    [Fact]
    public void TheTeacherDoesNotDependOnTheSampleSizes()
    {
        using TaskData small = SyntheticTask.Generate(Classification() with { TrainSize = 100 }, 4);
        using TaskData large = SyntheticTask.Generate(Classification(), 4);
        Assert.Equal(Bytes(small.TestX), Bytes(large.TestX));
        Assert.Equal(Bytes(small.TestY), Bytes(large.TestY));
        using var prefix = large.TrainX.narrow(0, 0, 100);
        Assert.Equal(Bytes(small.TrainX), Bytes(prefix.contiguous()));
    }

    [Fact]
    public void RegressionTargetsAreStandardizedAndNoiseHasTheDeclaredStd()
    {
        using TaskData clean = SyntheticTask.Generate(Regression(), 21);
        Assert.Equal(0, clean.Classes);
        Assert.True(clean.IsRegression);
        Assert.Equal(new long[] { 3000, 2 }, clean.TrainY.shape);
        Assert.Equal(torch.ScalarType.Float32, clean.TrainY.dtype);
        Assert.Equal(2, clean.OutputDim);
        float[] std = clean.TrainY.std(0).data<float>().ToArray();
        float[] mean = clean.TrainY.mean(new long[] { 0 }).data<float>().ToArray();
        Assert.All(std, s => Assert.InRange(s, 0.9, 1.1));
        Assert.All(mean, m => Assert.InRange(m, -0.1, 0.1));

        using TaskData noisy = SyntheticTask.Generate(Regression(0.5), 21);
        double noiseStd = noisy.TrainY.sub(clean.TrainY).std().item<float>();
        Assert.InRange(noiseStd, 0.47, 0.53);
        Assert.Equal(Bytes(clean.TestY), Bytes(noisy.TestY));
    }

    [Fact]
    public void RegressionTargetsDependOnTheInputs()
    {
        // A linear teacher's standardized targets are an affine function of the inputs: least squares fits them.
        var spec = new SyntheticTaskSpec(4, 200, 10, 0, 8, 0, 0.0);
        using TaskData task = SyntheticTask.Generate(spec, 3);
        using var ones = torch.ones(200, 1, dtype: torch.ScalarType.Float64);
        using var x = torch.cat(new[] { task.TrainX.to_type(torch.ScalarType.Float64), ones }, 1);
        using var y = task.TrainY.to_type(torch.ScalarType.Float64);
        using var solution = torch.linalg.lstsq(x, y).Solution;
        double residual = x.matmul(solution).sub(y).abs().max().item<double>();
        Assert.True(residual < 1e-5, $"residual {residual}");
    }

    [Theory]
    [InlineData(0, 10, 10, 2, 8, 1, 0.0, 1.0, "synthetic task: InputDim must be at least 1, got 0")]
    [InlineData(4, 0, 10, 2, 8, 1, 0.0, 1.0, "synthetic task: TrainSize must be at least 1, got 0")]
    [InlineData(4, 10, 0, 2, 8, 1, 0.0, 1.0, "synthetic task: TestSize must be at least 1, got 0")]
    [InlineData(4, 10, 10, 1, 8, 1, 0.0, 1.0, "synthetic task: Classes must be 0 (regression) or at least 2, got 1")]
    [InlineData(4, 10, 10, 2, 0, 1, 0.0, 1.0, "synthetic task: TeacherWidth must be at least 1, got 0")]
    [InlineData(4, 10, 10, 2, 8, -1, 0.0, 1.0, "synthetic task: TeacherDepth must be at least 0, got -1")]
    [InlineData(4, 10, 10, 2, 8, 1, 1.5, 1.0, "synthetic task: LabelNoise (probability of a random label) must be in [0, 1], got 1.5")]
    [InlineData(4, 10, 10, 0, 8, 1, -0.1, 1.0, "synthetic task: LabelNoise (regression noise std) must be at least 0, got -0.1")]
    [InlineData(4, 10, 10, 2, 8, 1, double.NaN, 1.0, "synthetic task: LabelNoise (probability of a random label) must be in [0, 1], got NaN")]
    [InlineData(4, 10, 10, 2, 8, 1, 0.0, 0.0, "synthetic task: InputScale must be a positive number, got 0")]
    [InlineData(4, 10, 10, 2, 8, 1, 0.0, double.PositiveInfinity, "synthetic task: InputScale must be a positive number, got Infinity")]
    public void InvalidSpecsGiveOneLineMessages(int d, int train, int test, int classes, int width, int depth, double noise, double scale, string message)
    {
        var spec = new SyntheticTaskSpec(d, train, test, classes, width, depth, noise, scale);
        var e = Assert.Throws<ArgumentException>(() => SyntheticTask.Generate(spec, 1));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void OutputsIsForRegressionOnly()
    {
        var e = Assert.Throws<ArgumentException>(() => SyntheticTask.Generate(Classification() with { Outputs = 3 }, 1));
        Assert.StartsWith("synthetic task: Outputs applies to regression only", e.Message);
        e = Assert.Throws<ArgumentException>(() => SyntheticTask.Generate(Regression() with { Outputs = 0 }, 1));
        Assert.Equal("synthetic task: Outputs must be at least 1, got 0", e.Message);
    }
}
