using EEArtifacts.Experiments.Data;
using TorchSharp;
using static EEArtifacts.Experiments.Tests.Data.DataTestFiles;

namespace EEArtifacts.Experiments.Tests.Data;

public sealed class IdxDatasetTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static DatasetLoadOptions Options(DatasetCatalog catalog, bool flatten = false) => new() { Catalog = catalog, Flatten = flatten };

    [Fact]
    public void ReadsImagesAndLabelsBackExactly()
    {
        string folder = _temp.Sub("mnist");
        IdxSet set = SmallIdxSet();
        WriteIdx(folder, set);
        var reports = new List<DatasetProgress>();

        using TaskData task = DatasetStore.Load(StandardDataset.Mnist, folder, allowDownload: false, new SyncProgress(reports), Options(IdxCatalog(folder)));

        Assert.Equal("mnist", task.Name);
        Assert.Equal(10, task.Classes);
        Assert.Equal(new long[] { 1, 28, 28 }, task.InputShape);
        Assert.Equal(new long[] { 10, 1, 28, 28 }, task.TrainX.shape);
        Assert.Equal(new long[] { 4, 1, 28, 28 }, task.TestX.shape);
        Assert.Equal(torch.ScalarType.Float32, task.TrainX.dtype);
        Assert.Equal(torch.ScalarType.Int64, task.TrainY.dtype);
        Assert.Equal(Scaled(set.TrainPixels), task.TrainX.data<float>().ToArray());
        Assert.Equal(Scaled(set.TestPixels), task.TestX.data<float>().ToArray());
        Assert.Equal(set.TrainLabels.Select(b => (long)b), task.TrainY.data<long>().ToArray());
        Assert.Equal(set.TestLabels.Select(b => (long)b), task.TestY.data<long>().ToArray());
        Assert.Equal(0f, task.TrainX.min().item<float>());
        Assert.Equal(1f, task.TrainX.max().item<float>());
        Assert.Contains(reports, r => r.Stage == DatasetStage.Verifying && r.File == TrainImages);
    }

    [Fact]
    public void FlattenOptionGivesRowsOf784()
    {
        string folder = _temp.Sub("fashion");
        IdxSet set = SmallIdxSet();
        WriteIdx(folder, set);

        using TaskData task = DatasetStore.Load(StandardDataset.FashionMnist, folder, false, null, Options(IdxCatalog(folder, StandardDataset.FashionMnist), flatten: true));

        Assert.Equal("fashion-mnist", task.Name);
        Assert.Equal(new long[] { 784 }, task.InputShape);
        Assert.Equal(new long[] { 10, 784 }, task.TrainX.shape);
        Assert.Equal(Scaled(set.TrainPixels), task.TrainX.data<float>().ToArray());
    }

    [Fact]
    public void FlippedByteIsAChecksumMismatchNamingFileAndBothHashes()
    {
        string folder = _temp.Sub("mnist");
        WriteIdx(folder, SmallIdxSet());
        DatasetCatalog catalog = IdxCatalog(folder);
        string path = Path.Combine(folder, TestLabels);
        string expected = DatasetStore.Sha256Of(path).Sha256;
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        string actual = DatasetStore.Sha256Of(path).Sha256;

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(catalog)));

        Assert.StartsWith($"{folder} does not hold the canonical mnist files: {TestLabels} (sha256 ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains(actual, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TruncatedFileFailsItsSizeCheckBeforeHashing()
    {
        string folder = _temp.Sub("mnist");
        WriteIdx(folder, SmallIdxSet());
        DatasetCatalog catalog = IdxCatalog(folder);
        string path = Path.Combine(folder, TrainImages);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(catalog)));

        Assert.Contains(TrainImages, e.Message);
        Assert.Contains($"has {bytes.Length / 2} bytes, expected {bytes.Length}", e.Message);
    }

    [Fact]
    public void TruncatedGzipWithMatchingChecksumIsReportedAsTruncated()
    {
        string folder = _temp.Sub("mnist");
        WriteIdx(folder, SmallIdxSet());
        string path = Path.Combine(folder, TrainImages);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(IdxCatalog(folder))));

        Assert.Contains(TrainImages, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ImagesShorterThanTheirHeaderAreTruncated()
    {
        string folder = _temp.Sub("mnist");
        IdxSet set = SmallIdxSet();
        WriteIdx(folder, set);
        File.WriteAllBytes(Path.Combine(folder, TrainImages), Gzip(IdxImages(set.Train, set.TrainPixels[..^100])));

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(IdxCatalog(folder))));

        Assert.Equal($"{TrainImages} is truncated: the data ended early; delete it and download or place it again", e.Message);
    }

    [Fact]
    public void BadMagicIsRejected()
    {
        string folder = _temp.Sub("mnist");
        IdxSet set = SmallIdxSet();
        WriteIdx(folder, set);
        File.WriteAllBytes(Path.Combine(folder, TrainLabels), Gzip(IdxLabels(set.Train, set.TrainLabels, magic: 0x00000803)));

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(IdxCatalog(folder))));

        Assert.Equal($"{TrainLabels} is not an IDX label file: magic 0x00000803, expected 0x00000801", e.Message);
    }

    [Fact]
    public void WrongImageSizeTrailingDataNonGzipAndBadLabelsAreRejected()
    {
        string folder = _temp.Sub("mnist");
        IdxSet set = SmallIdxSet();
        string images = Path.Combine(folder, TrainImages);
        string labels = Path.Combine(folder, TrainLabels);

        WriteIdx(folder, set);
        File.WriteAllBytes(images, Gzip(IdxImages(set.Train * 49, set.TrainPixels, rows: 4, cols: 4)));
        Assert.Contains("images are 4x4, expected 28x28", LoadError(folder));

        WriteIdx(folder, set);
        File.WriteAllBytes(labels, Gzip(IdxLabels(set.Train, set.TrainLabels.Append((byte)1).ToArray())));
        Assert.Contains("more data than its header declares", LoadError(folder));

        WriteIdx(folder, set);
        File.WriteAllBytes(labels, IdxLabels(set.Train, set.TrainLabels));
        Assert.Contains($"{TrainLabels} is corrupt or truncated", LoadError(folder));

        WriteIdx(folder, set);
        byte[] badLabels = set.TrainLabels.ToArray();
        badLabels[3] = 12;
        File.WriteAllBytes(labels, Gzip(IdxLabels(set.Train, badLabels)));
        Assert.Contains("label 12 at index 3 is not below 10", LoadError(folder));

        WriteIdx(folder, set);
        File.WriteAllBytes(labels, Gzip(IdxLabels(set.Train - 1, set.TrainLabels[..^1])));
        Assert.Contains("holds 10 images but", LoadError(folder));
    }

    [Fact]
    public void CanonicalCountsAreEnforced()
    {
        string folder = _temp.Sub("mnist");
        WriteIdx(folder, SmallIdxSet());
        DatasetCatalog catalog = DatasetCatalog.Canonical.With(
            StandardDataset.Mnist,
            new[] { TrainImages, TrainLabels, TestImages, TestLabels }.Select(f => FileEntry(Path.Combine(folder, f))).ToArray(),
            trainSize: 60_000,
            testSize: 10_000);

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(catalog)));

        Assert.Equal($"{TrainImages} holds 10 images, expected 60000: it is not the canonical file", e.Message);
    }

    [Fact]
    public void MissingFilesOfflineListEveryExpectedFileAndTheFolder()
    {
        string folder = _temp.Sub("mnist");
        WriteIdx(folder, SmallIdxSet());
        DatasetCatalog catalog = IdxCatalog(folder);
        File.Delete(Path.Combine(folder, TrainLabels));
        File.Delete(Path.Combine(folder, TestImages));

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(catalog)));

        Assert.Equal(
            $"mnist data missing: {TrainLabels}, {TestImages} not found in {folder}; downloading is off: allow downloading, or place them yourself: " +
            $"the folder must hold {TrainImages}, {TrainLabels}, {TestImages}, {TestLabels}",
            e.Message);
    }

    [Fact]
    public void CanonicalMissingMessageNamesTheSources()
    {
        string folder = Path.Combine(_temp.Root, "does-not-exist");

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Cifar10, folder, allowDownload: false));

        Assert.Equal(
            $"cifar10 data missing: cifar-10-binary.tar.gz not found in {folder}; downloading is off: allow downloading, or place them yourself: " +
            "the folder must hold cifar-10-binary.tar.gz (from https://www.cs.toronto.edu/~kriz/)",
            e.Message);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void LeftoverPartFileIsIgnoredAndReportedAsMissing()
    {
        string folder = _temp.Sub("mnist");
        WriteIdx(folder, SmallIdxSet());
        DatasetCatalog catalog = IdxCatalog(folder);
        string images = Path.Combine(folder, TrainImages);
        File.Move(images, images + ".part");

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(catalog)));

        Assert.StartsWith($"mnist data missing: {TrainImages} not found in {folder} (incomplete download {TrainImages}.part ignored);", e.Message);
        Assert.True(File.Exists(images + ".part"));
    }

    [Fact]
    public void DefaultFolderIsUnderTheUserCache()
    {
        string folder = DatasetStore.DefaultFolder(StandardDataset.FashionMnist);
        Assert.EndsWith(Path.Combine("eeartifacts", "datasets", "fashion-mnist"), folder);
    }

    private static string LoadError(string folder) =>
        Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, false, null, Options(IdxCatalog(folder)))).Message;
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; posts them to the thread pool).</summary>
internal sealed class SyncProgress(List<DatasetProgress> reports) : IProgress<DatasetProgress>
{
    public void Report(DatasetProgress value)
    {
        lock (reports)
        {
            reports.Add(value);
        }
    }
}
