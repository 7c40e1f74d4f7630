using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Data;

/// <summary>Turns 8-bit pixels into float32 tensors in [0, 1] exactly (v / 255 rounded once), in bounded memory.</summary>
internal static class ImageTensors
{
    private const int ChunkElements = 1 << 22;

    /// <summary>float32 value of each byte: v / 255f, correctly rounded, independent of torch's kernels.</summary>
    private static readonly float[] Scale = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Fills a new float32 tensor of <paramref name="shape"/> with pixels read from <paramref name="fill"/>.</summary>
    /// <param name="shape">The tensor shape; its element count is how many pixels are read.</param>
    /// <param name="fill">Fills the given buffer completely with the next pixels (throws when it cannot).</param>
    public static Tensor FromPixels(long[] shape, Action<Span<byte>> fill)
    {
        long total = shape.Aggregate(1L, (a, b) => a * b);
        Tensor result = empty(shape, ScalarType.Float32);
        try
        {
            using Tensor flat = result.view(-1);
            var bytes = new byte[(int)Math.Min(total, ChunkElements)];
            var floats = new float[bytes.Length];
            for (long offset = 0; offset < total; offset += bytes.Length)
            {
                int count = (int)Math.Min(bytes.Length, total - offset);
                fill(bytes.AsSpan(0, count));
                if (count != floats.Length)
                {
                    floats = new float[count];
                }
                for (int i = 0; i < count; i++)
                {
                    floats[i] = Scale[bytes[i]];
                }
                using Tensor chunk = tensor(floats, new long[] { count }, ScalarType.Float32);
                using Tensor target = flat.narrow(0, offset, count);
                target.copy_(chunk);
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>An int64 label tensor [n] from byte labels, checking each is below <paramref name="classes"/>.</summary>
    public static Tensor Labels(ReadOnlySpan<byte> labels, int classes, string source)
    {
        var values = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes)
            {
                throw new DatasetException($"{source} is corrupt: label {labels[i]} at index {i} is not below {classes}");
            }
            values[i] = labels[i];
        }
        return tensor(values, new long[] { values.Length }, ScalarType.Int64);
    }
}
