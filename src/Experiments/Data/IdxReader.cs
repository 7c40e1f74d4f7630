using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// Reads gzip-compressed IDX files (the MNIST family): magic 0x00000803 for unsigned-byte images [n, rows, cols],
/// 0x00000801 for unsigned-byte labels [n]; dimensions are big-endian 32-bit integers.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte, three-dimensional IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte, one-dimensional IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>
    /// Reads images as float32 [n, 1, rows, cols] scaled to [0, 1] (byte / 255). Throws a one-line
    /// <see cref="DatasetException"/> for bad magic, unexpected sizes, truncated or trailing data.
    /// </summary>
    /// <param name="path">The .gz file.</param>
    /// <param name="rows">Expected image height, or null to accept the header's.</param>
    /// <param name="cols">Expected image width, or null to accept the header's.</param>
    /// <param name="expectedCount">Expected number of images, or null to accept any.</param>
    public static Tensor ReadImages(string path, int? rows = 28, int? cols = 28, int? expectedCount = null)
    {
        string what = Path.GetFileName(path);
        using Stream s = Open(path);
        int magic = StreamReading.ReadInt32BigEndian(s, what);
        if (magic != ImagesMagic)
        {
            throw new DatasetException($"{what} is not an IDX image file: magic 0x{magic:X8}, expected 0x{ImagesMagic:X8}");
        }
        int n = StreamReading.ReadInt32BigEndian(s, what);
        int r = StreamReading.ReadInt32BigEndian(s, what);
        int c = StreamReading.ReadInt32BigEndian(s, what);
        if (r < 1 || c < 1 || r > MaxSide || c > MaxSide)
        {
            throw new DatasetException($"{what} is corrupt: its header declares {r}x{c} images");
        }
        if ((rows is int expectedRows && r != expectedRows) || (cols is int expectedCols && c != expectedCols))
        {
            throw new DatasetException($"{what} is corrupt or the wrong file: images are {r}x{c}, expected {rows}x{cols}");
        }
        CheckCount(what, n, expectedCount, "images");
        Tensor images = ImageTensors.FromPixels(new long[] { n, 1, r, c }, span => StreamReading.ReadExactly(s, span, what));
        try
        {
            StreamReading.ExpectEnd(s, what);
        }
        catch
        {
            images.Dispose();
            throw;
        }
        return images;
    }

    /// <summary>Reads labels as int64 [n], each below <paramref name="classes"/>.</summary>
    public static Tensor ReadLabels(string path, int classes = 10, int? expectedCount = null)
    {
        string what = Path.GetFileName(path);
        using Stream s = Open(path);
        int magic = StreamReading.ReadInt32BigEndian(s, what);
        if (magic != LabelsMagic)
        {
            throw new DatasetException($"{what} is not an IDX label file: magic 0x{magic:X8}, expected 0x{LabelsMagic:X8}");
        }
        int n = StreamReading.ReadInt32BigEndian(s, what);
        CheckCount(what, n, expectedCount, "labels");
        var labels = new byte[n];
        StreamReading.ReadExactly(s, labels, what);
        StreamReading.ExpectEnd(s, what);
        return ImageTensors.Labels(labels, classes, what);
    }

    private const int MaxCount = 10_000_000;

    private const int MaxSide = 4096;

    private static void CheckCount(string what, int n, int? expected, string kind)
    {
        if (n < 1 || n > MaxCount)
        {
            throw new DatasetException($"{what} is corrupt: its header declares {n} {kind}");
        }
        if (expected is int e && n != e)
        {
            throw new DatasetException($"{what} holds {n} {kind}, expected {e}: it is not the canonical file");
        }
    }

    private static Stream Open(string path)
    {
        try
        {
            return StreamReading.OpenGzip(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"cannot read {path}: {e.Message}", e);
        }
    }
}
