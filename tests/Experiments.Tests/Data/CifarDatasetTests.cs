using System.Formats.Tar;
using EEArtifacts.Experiments.Data;
using static EEArtifacts.Experiments.Tests.Data.DataTestFiles;

namespace EEArtifacts.Experiments.Tests.Data;

public sealed class CifarDatasetTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static DatasetLoadOptions Options(string folder) =>
        new() { Catalog = CatalogFor(StandardDataset.Cifar10, folder, CifarArchive) };

    [Fact]
    public void ReadsAllBatchesBackExactlyInOrder()
    {
        string folder = _temp.Sub("cifar10");
        CifarSet set = SmallCifarSet();
        WriteTarGz(Path.Combine(folder, CifarArchive), set.Items);

        using TaskData task = DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, Options(folder));

        Assert.Equal("cifar10", task.Name);
        Assert.Equal(new long[] { 3, 32, 32 }, task.InputShape);
        Assert.Equal(new long[] { 10, 3, 32, 32 }, task.TrainX.shape);
        Assert.Equal(new long[] { 3, 3, 32, 32 }, task.TestX.shape);
        Assert.Equal(Scaled(set.TrainPixels), task.TrainX.data<float>().ToArray());
        Assert.Equal(Scaled(set.TestPixels), task.TestX.data<float>().ToArray());
        Assert.Equal(set.TrainLabels.Select(b => (long)b), task.TrainY.data<long>().ToArray());
        Assert.Equal(set.TestLabels.Select(b => (long)b), task.TestY.data<long>().ToArray());
        Assert.Equal(new[] { CifarArchive }, Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void FlattenGivesRowsOf3072()
    {
        string folder = _temp.Sub("cifar10");
        CifarSet set = SmallCifarSet();
        WriteTarGz(Path.Combine(folder, CifarArchive), set.Items);

        using TaskData task = DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, Options(folder) with { Flatten = true });

        Assert.Equal(new long[] { 10, 3072 }, task.TrainX.shape);
        Assert.Equal(Scaled(set.TrainPixels), task.TrainX.data<float>().ToArray());
    }

    [Fact]
    public void TruncatedArchiveWithMatchingChecksumIsOneClearLine()
    {
        string folder = _temp.Sub("cifar10");
        string path = Path.Combine(folder, CifarArchive);
        WriteTarGz(path, SmallCifarSet().Items);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, Options(folder)));

        Assert.StartsWith(CifarArchive, e.Message);
        Assert.Matches("truncated|incomplete", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TruncatedArchiveAgainstItsTableFailsItsSizeCheckBeforeHashing()
    {
        string folder = _temp.Sub("cifar10");
        string path = Path.Combine(folder, CifarArchive);
        WriteTarGz(path, SmallCifarSet().Items);
        DatasetLoadOptions options = Options(folder);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, options));

        Assert.StartsWith($"{path} has {bytes.Length - 10} bytes, expected {bytes.Length}", e.Message);
    }

    [Fact]
    public void MissingBatchAndBadRecordSizeAreRejected()
    {
        string folder = _temp.Sub("cifar10");
        string path = Path.Combine(folder, CifarArchive);
        CifarSet set = SmallCifarSet();

        WriteTarGz(path, set.Items.Where(i => !i.Name.EndsWith("data_batch_3.bin", StringComparison.Ordinal)));
        Assert.Equal(
            $"{CifarArchive} is incomplete or not the CIFAR-10 binary archive: it lacks data_batch_3.bin",
            Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, Options(folder))).Message);

        File.Delete(path);
        WriteTarGz(path, set.Items.Select(i => i.Name.EndsWith("test_batch.bin", StringComparison.Ordinal) ? i with { Content = i.Content![..^1] } : i));
        Assert.Contains(
            "is corrupt: 9218 bytes is not a whole number of 3073-byte records",
            Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, Options(folder))).Message);
    }

    [Fact]
    public void ArchiveWithAnEscapingEntryIsRefusedOnLoad()
    {
        string folder = _temp.Sub("cifar10");
        CifarSet set = SmallCifarSet();
        WriteTarGz(Path.Combine(folder, CifarArchive), set.Items.Prepend(new TarItem("../evil", "x"u8.ToArray())));

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, Options(folder)));

        Assert.Equal($"{CifarArchive}: entry '../evil' escapes the target folder ('..'); refused", e.Message);
        Assert.False(File.Exists(Path.Combine(_temp.Root, "evil")));
    }

    [Fact]
    public void ArchiveWithASymlinkIsRefusedOnLoad()
    {
        string folder = _temp.Sub("cifar10");
        CifarSet set = SmallCifarSet();
        WriteTarGz(Path.Combine(folder, CifarArchive), set.Items.Append(new TarItem("cifar-10-batches-bin/link", null, TarEntryType.SymbolicLink, "/etc/passwd")));

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Cifar10, folder, false, null, Options(folder)));

        Assert.Contains("entry 'cifar-10-batches-bin/link' is a link", e.Message);
    }
}

public sealed class SafeTarTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] AllFiles(string root) =>
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void ExtractsRegularFilesAndDirectories()
    {
        string archive = Path.Combine(_temp.Root, "ok.tar.gz");
        WriteTarGz(archive, new TarItem[] { new("top/", null), new("top/a.bin", new byte[] { 1, 2, 3 }), new("./top/sub/b.txt", "hi"u8.ToArray()) });
        string target = Path.Combine(_temp.Root, "out");

        IReadOnlyList<string> files = SafeTar.ExtractTo(archive, target);

        Assert.Equal(new[] { "top/a.bin", "top/sub/b.txt" }, files);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(target, "top", "a.bin")));
        Assert.Equal("hi", File.ReadAllText(Path.Combine(target, "top", "sub", "b.txt")));
        Assert.Equal(new[] { "top", Path.Combine("top", "a.bin"), Path.Combine("top", "sub"), Path.Combine("top", "sub", "b.txt") }, AllFiles(target));
    }

    [Theory]
    [InlineData("../evil", "escapes the target folder")]
    [InlineData("top/../../evil", "escapes the target folder")]
    [InlineData("/tmp/evil-absolute", "has an absolute path")]
    public void EscapingEntriesAreRefusedAndNothingIsWritten(string name, string reason)
    {
        string archive = Path.Combine(_temp.Root, "evil.tar.gz");
        WriteTarGz(archive, new TarItem[] { new("top/good.bin", new byte[] { 7 }), new(name, "owned"u8.ToArray()) });
        string target = Path.Combine(_temp.Root, "out");
        string[] before = AllFiles(_temp.Root);

        var e = Assert.Throws<DatasetException>(() => SafeTar.ExtractTo(archive, target));

        Assert.Contains($"entry '{name}' {reason}", e.Message);
        Assert.False(File.Exists(Path.Combine(_temp.Root, "evil")));
        Assert.False(File.Exists("/tmp/evil-absolute"));
        Assert.Empty(Directory.GetFileSystemEntries(target));
        Assert.Equal(before.Append("out").Order(StringComparer.Ordinal), AllFiles(_temp.Root));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink)]
    [InlineData(TarEntryType.HardLink)]
    public void LinksAreRefused(TarEntryType type)
    {
        string archive = Path.Combine(_temp.Root, "link.tar.gz");
        WriteTarGz(archive, new TarItem[] { new("link", null, type, "../../etc/passwd"), new("link/x", "owned"u8.ToArray()) });
        string target = Path.Combine(_temp.Root, "out");

        var e = Assert.Throws<DatasetException>(() => SafeTar.ExtractTo(archive, target));

        Assert.Equal($"link.tar.gz: entry 'link' is a link ({type} to '../../etc/passwd'); links are refused", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(target));
    }

    [Fact]
    public void ExistingFilesAreNotOverwritten()
    {
        string archive = Path.Combine(_temp.Root, "ok.tar.gz");
        WriteTarGz(archive, new TarItem[] { new("a.bin", new byte[] { 1 }) });
        string target = _temp.Sub("out");
        File.WriteAllBytes(Path.Combine(target, "a.bin"), new byte[] { 9 });

        var e = Assert.Throws<DatasetException>(() => SafeTar.ExtractTo(archive, target));

        Assert.Contains("'a.bin' already exists", e.Message);
        Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(Path.Combine(target, "a.bin")));
        Assert.Equal(new[] { "a.bin" }, AllFiles(target));
    }

    [Fact]
    public void TruncatedArchiveLeavesTheTargetEmpty()
    {
        string archive = Path.Combine(_temp.Root, "big.tar.gz");
        WriteTarGz(archive, new TarItem[] { new("a.bin", Pixels(200_000, 3)), new("b.bin", Pixels(200_000, 4)) });
        byte[] bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length * 3 / 4)]);
        string target = Path.Combine(_temp.Root, "out");

        var e = Assert.Throws<DatasetException>(() => SafeTar.ExtractTo(archive, target));

        Assert.StartsWith("big.tar.gz", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(target));
    }
}
