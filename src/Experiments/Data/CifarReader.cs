using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// Reads CIFAR-10's binary version straight from cifar-10-binary.tar.gz, without unpacking it to disk: the batches
/// data_batch_1.bin .. data_batch_5.bin (train, in that order) and test_batch.bin, each a sequence of 3073-byte
/// records (one label byte, then 1024 red, 1024 green and 1024 blue bytes, rows top to bottom).
/// Every archive entry is checked as <see cref="SafeTar"/> does, so links and escaping paths are refused here too.
/// </summary>
public static class CifarReader
{
    /// <summary>Bytes of one record: a label and a 3x32x32 image.</summary>
    public const int RecordSize = 1 + (3 * 32 * 32);

    /// <summary>The training batches, in order.</summary>
    public static IReadOnlyList<string> TrainBatches { get; } =
        new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" };

    /// <summary>The test batch.</summary>
    public const string TestBatch = "test_batch.bin";

    private const long MaxBatchBytes = 100_000L * RecordSize;

    /// <summary>
    /// Reads the archive: images float32 [n, 3, 32, 32] in [0, 1] (byte / 255) and int64 labels [n], for train and test.
    /// </summary>
    /// <returns>(trainX, trainY, testX, testY); the caller owns the tensors.</returns>
    public static (Tensor TrainX, Tensor TrainY, Tensor TestX, Tensor TestY) Read(string archivePath, int? expectedTrain = null, int? expectedTest = null)
    {
        string archiveName = Path.GetFileName(archivePath);
        var wanted = new HashSet<string>(TrainBatches.Append(TestBatch), StringComparer.Ordinal);
        var batches = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        SafeTar.ForEachEntry(archivePath, (entry, relative) =>
        {
            string fileName = relative[(relative.LastIndexOf('/') + 1)..];
            if (entry.EntryType == System.Formats.Tar.TarEntryType.Directory || !wanted.Contains(fileName))
            {
                return;
            }
            string what = $"{archiveName} (entry '{entry.Name}')";
            if (batches.ContainsKey(fileName))
            {
                throw new DatasetException($"{archiveName} is not the canonical archive: it holds {fileName} twice");
            }
            if (entry.Length == 0 || entry.Length % RecordSize != 0 || entry.Length > MaxBatchBytes)
            {
                throw new DatasetException($"{what} is corrupt: {entry.Length} bytes is not a whole number of {RecordSize}-byte records");
            }
            var bytes = new byte[entry.Length];
            if (entry.DataStream is not { } data)
            {
                throw new DatasetException($"{what} has no data");
            }
            StreamReading.ReadExactly(data, bytes, what);
            batches[fileName] = bytes;
        });
        string[] missing = TrainBatches.Append(TestBatch).Where(b => !batches.ContainsKey(b)).ToArray();
        if (missing.Length > 0)
        {
            throw new DatasetException($"{archiveName} is incomplete or not the CIFAR-10 binary archive: it lacks {string.Join(", ", missing)}");
        }
        byte[][] train = TrainBatches.Select(b => batches[b]).ToArray();
        byte[][] test = { batches[TestBatch] };
        CheckCount(archiveName, "training", train, expectedTrain);
        CheckCount(archiveName, "test", test, expectedTest);
        var tensors = new List<Tensor>();
        try
        {
            tensors.Add(Images(train));
            tensors.Add(Labels(train, archiveName));
            tensors.Add(Images(test));
            tensors.Add(Labels(test, archiveName));
            return (tensors[0], tensors[1], tensors[2], tensors[3]);
        }
        catch
        {
            tensors.ForEach(t => t.Dispose());
            throw;
        }
    }

    private static long Count(byte[][] batches) => batches.Sum(b => (long)b.Length / RecordSize);

    private static void CheckCount(string archiveName, string split, byte[][] batches, int? expected)
    {
        if (expected is int e && Count(batches) != e)
        {
            throw new DatasetException($"{archiveName} holds {Count(batches)} {split} images, expected {e}: it is not the canonical archive");
        }
    }

    private static Tensor Images(byte[][] batches)
    {
        long n = Count(batches);
        int batch = 0;
        int record = 0;
        int offsetInRecord = 0;
        return ImageTensors.FromPixels(new long[] { n, 3, 32, 32 }, span =>
        {
            // Chunks need not align with records: copy pixel bytes record by record, skipping each label byte.
            int filled = 0;
            while (filled < span.Length)
            {
                int take = Math.Min(span.Length - filled, RecordSize - 1 - offsetInRecord);
                batches[batch].AsSpan((record * RecordSize) + 1 + offsetInRecord, take).CopyTo(span[filled..]);
                filled += take;
                offsetInRecord += take;
                if (offsetInRecord == RecordSize - 1)
                {
                    offsetInRecord = 0;
                    record++;
                    if ((long)record * RecordSize == batches[batch].Length)
                    {
                        record = 0;
                        batch++;
                    }
                }
            }
        });
    }

    private static Tensor Labels(byte[][] batches, string archiveName)
    {
        var labels = new byte[Count(batches)];
        int i = 0;
        foreach (byte[] b in batches)
        {
            for (int offset = 0; offset < b.Length; offset += RecordSize)
            {
                labels[i++] = b[offset];
            }
        }
        return ImageTensors.Labels(labels, 10, archiveName);
    }
}
