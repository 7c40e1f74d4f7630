using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// Writes unsigned-byte IDX files, gzip-compressed, and hashes IDX content. The hash of a data set's content is the
/// SHA-256 of the decompressed IDX bytes (header and data), so it does not depend on the gzip implementation.
/// </summary>
public static class IdxWriter
{
    /// <summary>The uncompressed IDX bytes of images [n, rows, cols] (magic 0x803).</summary>
    public static byte[] Images(int n, int rows, int cols, ReadOnlySpan<byte> pixels)
    {
        if (pixels.Length != (long)n * rows * cols)
        {
            throw new ArgumentException($"{pixels.Length} pixels is not {n} images of {rows}x{cols}");
        }
        var raw = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(0), IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(12), cols);
        pixels.CopyTo(raw.AsSpan(16));
        return raw;
    }

    /// <summary>The uncompressed IDX bytes of labels [n] (magic 0x801).</summary>
    public static byte[] Labels(ReadOnlySpan<byte> labels)
    {
        var raw = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(0), IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(4), labels.Length);
        labels.CopyTo(raw.AsSpan(8));
        return raw;
    }

    /// <summary>Writes <paramref name="raw"/> gzip-compressed (smallest size) to a new file.</summary>
    public static void WriteGzip(string path, byte[] raw)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        using (var gz = new GZipStream(file, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gz.Write(raw);
        }
        file.Flush(flushToDisk: true);
    }

    /// <summary>Lower-case hex SHA-256 of bytes.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The SHA-256 of a gzip file's decompressed content.</summary>
    public static string ContentSha256(string gzipPath)
    {
        using Stream s = StreamReading.OpenGzip(gzipPath);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int read;
        try
        {
            while ((read = s.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{Path.GetFileName(gzipPath)} is corrupt or truncated (bad compressed data: {e.Message})", e);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
