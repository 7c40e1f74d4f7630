using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Runtime;
using TorchSharp;

namespace EEArtifacts.Experiments.Tests.Data;

public sealed class TaskDataTests
{
    public TaskDataTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void FlattenedAndTakeCopyAndKeepShapes()
    {
        using var task = new TaskData("t",
            torch.arange(0, 24, dtype: torch.ScalarType.Float32).reshape(2, 3, 4),
            torch.tensor(new long[] { 0, 1 }),
            torch.arange(0, 36, dtype: torch.ScalarType.Float32).reshape(3, 3, 4),
            torch.tensor(new long[] { 1, 1, 0 }),
            2,
            new long[] { 3, 4 });
        using TaskData flat = task.Flattened();
        Assert.Equal(new long[] { 12 }, flat.InputShape);
        Assert.Equal(new long[] { 2, 12 }, flat.TrainX.shape);
        Assert.Equal(12, task.InputFeatures);
        using TaskData head = task.Take(1, 2);
        Assert.Equal(1, head.TrainSize);
        Assert.Equal(new long[] { 1, 1 }, head.TestY.data<long>().ToArray());
        Assert.Equal("t: train 2, test 3, input [3, 4], 2 classes", task.ToString());
    }

    [Fact]
    public void MismatchedShapesAreRejected()
    {
        using var x = torch.zeros(4, 3);
        using var y = torch.zeros(new long[] { 3 }, dtype: torch.ScalarType.Int64);
        using var y4 = torch.zeros(new long[] { 4 }, dtype: torch.ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => new TaskData("t", x, y, x, y4, 2, new long[] { 3 }));
        Assert.Equal("task 't': train has 4 inputs but 3 targets", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TaskData("t", x, y4, x, y4, 0, new long[] { 3 }));
        Assert.StartsWith("task 't': train regression targets must be float32 [n, D]", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TaskData("t", x, y4, x, y4, 2, new long[] { 2 }));
        Assert.Equal("task 't': train inputs have shape [4, 3], expected [n, 2]", e.Message);
    }
}

public sealed class DatasetCatalogTests
{
    [Fact]
    public void CanonicalTableHasEveryFileWithAFullSha256SizeAndHttpsOrHttpSource()
    {
        foreach (StandardDataset d in Enum.GetValues<StandardDataset>())
        {
            DatasetDescription description = DatasetCatalog.Canonical[d];
            Assert.Equal(DatasetCatalog.NameOf(d), description.Name);
            Assert.Equal(d, DatasetCatalog.Parse(description.Name));
            foreach (DatasetFile f in description.Files)
            {
                Assert.Matches("^[0-9a-f]{64}$", f.Sha256);
                Assert.True(f.Size > 0);
                Assert.NotEmpty(f.Urls);
                Assert.All(f.Urls, u => Assert.EndsWith("/" + f.FileName, u.ToString()));
            }
        }
        Assert.Equal(
            new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" },
            DatasetCatalog.Canonical[StandardDataset.FashionMnist].Files.Select(f => f.FileName));
        Assert.Equal("cifar-10-binary.tar.gz", DatasetCatalog.Canonical[StandardDataset.Cifar10].Files.Single().FileName);
        Assert.Equal(new Uri("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), DatasetCatalog.Canonical[StandardDataset.Cifar10].Files[0].Urls[0]);
    }

    [Fact]
    public void ParseAcceptsCommonSpellingsAndRejectsOthersClearly()
    {
        Assert.Equal(StandardDataset.FashionMnist, DatasetCatalog.Parse("Fashion_MNIST"));
        Assert.Equal(StandardDataset.Cifar10, DatasetCatalog.Parse("cifar-10"));
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Parse("svhn"));
        Assert.Equal("unknown data set 'svhn': use mnist, fashion-mnist, cifar10", e.Message);
    }
}
