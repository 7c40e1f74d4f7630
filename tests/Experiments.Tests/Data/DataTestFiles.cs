using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Runtime;

namespace EEArtifacts.Experiments.Tests.Data;

/// <summary>A temporary folder deleted after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        TorchRuntime.EnsureLoaded();
        Root = Path.Combine(Path.GetTempPath(), "ee-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    /// <summary>The folder's full path.</summary>
    public string Root { get; }

    public string Sub(string name)
    {
        string path = Path.Combine(Root, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Small files in the real formats, with their checksums, for tests.</summary>
public static class DataTestFiles
{
    public const string TrainImages = "train-images-idx3-ubyte.gz";
    public const string TrainLabels = "train-labels-idx1-ubyte.gz";
    public const string TestImages = "t10k-images-idx3-ubyte.gz";
    public const string TestLabels = "t10k-labels-idx1-ubyte.gz";
    public const string CifarArchive = "cifar-10-binary.tar.gz";

    /// <summary>Deterministic pixel bytes covering 0 and 255.</summary>
    public static byte[] Pixels(int count, int salt)
    {
        var bytes = new byte[count];
        for (int i = 0; i < count; i++)
        {
            bytes[i] = (byte)(((i * 37) + (salt * 101) + (i / 7)) % 256);
        }
        bytes[0] = 0;
        bytes[^1] = 255;
        return bytes;
    }

    public static byte[] LabelBytes(int count, int salt) =>
        Enumerable.Range(0, count).Select(i => (byte)((i + salt) % 10)).ToArray();

    public static byte[] Gzip(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(raw);
        }
        return buffer.ToArray();
    }

    public static byte[] IdxImages(int n, byte[] pixels, int rows = 28, int cols = 28, int magic = IdxReader.ImagesMagic)
    {
        var raw = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(12), cols);
        pixels.CopyTo(raw, 16);
        return raw;
    }

    public static byte[] IdxLabels(int n, byte[] labels, int magic = IdxReader.LabelsMagic)
    {
        var raw = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(4), n);
        labels.CopyTo(raw, 8);
        return raw;
    }

    /// <summary>The raw content of a small MNIST-style data set: 10 train and 4 test images.</summary>
    public sealed record IdxSet(byte[] TrainPixels, byte[] TrainLabels, byte[] TestPixels, byte[] TestLabels, int Train, int Test);

    public static IdxSet SmallIdxSet(int train = 10, int test = 4) => new(
        Pixels(train * 784, 1), LabelBytes(train, 3), Pixels(test * 784, 2), LabelBytes(test, 5), train, test);

    /// <summary>Writes the four .gz files of <paramref name="set"/> into <paramref name="folder"/>.</summary>
    public static void WriteIdx(string folder, IdxSet set)
    {
        File.WriteAllBytes(Path.Combine(folder, TrainImages), Gzip(IdxImages(set.Train, set.TrainPixels)));
        File.WriteAllBytes(Path.Combine(folder, TrainLabels), Gzip(IdxLabels(set.Train, set.TrainLabels)));
        File.WriteAllBytes(Path.Combine(folder, TestImages), Gzip(IdxImages(set.Test, set.TestPixels)));
        File.WriteAllBytes(Path.Combine(folder, TestLabels), Gzip(IdxLabels(set.Test, set.TestLabels)));
    }

    /// <summary>A catalog whose MNIST entry holds the checksums of the files now in <paramref name="folder"/>.</summary>
    public static DatasetCatalog CatalogFor(StandardDataset which, string folder, params string[] files) =>
        DatasetCatalog.Canonical.With(which, files.Select(f => FileEntry(Path.Combine(folder, f))).ToArray());

    public static DatasetCatalog IdxCatalog(string folder, StandardDataset which = StandardDataset.Mnist) =>
        CatalogFor(which, folder, TrainImages, TrainLabels, TestImages, TestLabels);

    public static DatasetFile FileEntry(string path, IReadOnlyList<Uri>? urls = null) =>
        new(Path.GetFileName(path), DatasetStore.Sha256Of(path).Sha256, new FileInfo(path).Length, urls ?? Array.Empty<Uri>());

    /// <summary>CIFAR-style records: label byte then 3072 pixel bytes.</summary>
    public static byte[] CifarRecords(int n, int salt, out byte[] labels, out byte[] pixels)
    {
        labels = LabelBytes(n, salt);
        pixels = Pixels(n * 3072, salt);
        var records = new byte[n * 3073];
        for (int i = 0; i < n; i++)
        {
            records[i * 3073] = labels[i];
            Array.Copy(pixels, i * 3072, records, (i * 3073) + 1, 3072);
        }
        return records;
    }

    /// <summary>An entry of a test archive: a name, content (null for a directory) and optional link target.</summary>
    public sealed record TarItem(string Name, byte[]? Content, TarEntryType Type = TarEntryType.RegularFile, string? LinkName = null);

    public static void WriteTarGz(string path, IEnumerable<TarItem> items)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new TarWriter(gz, TarEntryFormat.Pax);
        foreach (TarItem item in items)
        {
            TarEntryType type = item.Content is null && item.Type == TarEntryType.RegularFile ? TarEntryType.Directory : item.Type;
            var entry = new PaxTarEntry(type, item.Name);
            if (item.LinkName is not null)
            {
                entry.LinkName = item.LinkName;
            }
            if (item.Content is not null)
            {
                entry.DataStream = new MemoryStream(item.Content);
            }
            writer.WriteEntry(entry);
        }
    }

    /// <summary>Train batches of 2, 3, 1, 2, 2 records and a test batch of 3, with what they hold.</summary>
    public sealed record CifarSet(byte[] TrainLabels, byte[] TrainPixels, byte[] TestLabels, byte[] TestPixels, List<TarItem> Items);

    public static CifarSet SmallCifarSet()
    {
        int[] sizes = { 2, 3, 1, 2, 2 };
        var items = new List<TarItem> { new("cifar-10-batches-bin/", null) };
        var trainLabels = new List<byte>();
        var trainPixels = new List<byte>();
        for (int b = 0; b < 5; b++)
        {
            byte[] records = CifarRecords(sizes[b], b + 1, out byte[] labels, out byte[] pixels);
            trainLabels.AddRange(labels);
            trainPixels.AddRange(pixels);
            items.Add(new($"cifar-10-batches-bin/data_batch_{b + 1}.bin", records));
        }
        byte[] test = CifarRecords(3, 9, out byte[] testLabels, out byte[] testPixels);
        items.Add(new("cifar-10-batches-bin/batches.meta.txt", "airplane\nautomobile\n"u8.ToArray()));
        items.Add(new("cifar-10-batches-bin/test_batch.bin", test));
        return new CifarSet(trainLabels.ToArray(), trainPixels.ToArray(), testLabels, testPixels, items);
    }

    public static float[] Scaled(byte[] bytes) => bytes.Select(b => b / 255f).ToArray();
}
