using System.IO.Compression;

namespace EEArtifacts.Experiments.Data;

/// <summary>Exact reads that turn an early end or bad compressed data into one-line <see cref="DatasetException"/>s.</summary>
internal static class StreamReading
{
    /// <summary>Fills <paramref name="buffer"/> completely, or throws: "{what} is truncated".</summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read;
            try
            {
                read = stream.Read(buffer[done..]);
            }
            catch (InvalidDataException e)
            {
                throw new DatasetException($"{what} is corrupt or truncated (bad compressed data: {e.Message})", e);
            }
            if (read == 0)
            {
                throw new DatasetException($"{what} is truncated: the data ended early; delete it and download or place it again");
            }
            done += read;
        }
    }

    /// <summary>Throws when anything is left in <paramref name="stream"/> (a file longer than its header says).</summary>
    public static void ExpectEnd(Stream stream, string what)
    {
        int next;
        try
        {
            next = stream.ReadByte();
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{what} is corrupt or truncated (bad compressed data: {e.Message})", e);
        }
        if (next != -1)
        {
            throw new DatasetException($"{what} is corrupt: it holds more data than its header declares");
        }
    }

    /// <summary>A big-endian 32-bit integer read exactly.</summary>
    public static int ReadInt32BigEndian(Stream stream, string what)
    {
        Span<byte> b = stackalloc byte[4];
        ReadExactly(stream, b, what);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b);
    }

    /// <summary>Opens a .gz file for decompression.</summary>
    public static Stream OpenGzip(string path) =>
        new GZipStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), CompressionMode.Decompress);
}
