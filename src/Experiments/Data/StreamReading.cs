using System.IO.Compression;
using System.Runtime.InteropServices;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// Checks of a data file before anything opens it, and exact reads that turn an early end or bad compressed data
/// into one-line <see cref="DatasetException"/>s.
/// </summary>
internal static class StreamReading
{
    /// <summary>The largest data file accepted when the table knows no size (the largest known one, CIFAR-10, is 170 MB).</summary>
    public const long MaxUnknownSize = 1L << 30;

    /// <summary>
    /// Checks a data file before it is hashed or read: it must be a regular file (a FIFO or device, or a link to
    /// one, would block or never end), of its known size, or at most <see cref="MaxUnknownSize"/> bytes when the
    /// table has none. Returns its size.
    /// </summary>
    public static long CheckDataFile(string path, long? expectedSize)
    {
        (string? kind, long size) = TypeAndSize(path);
        if (kind is not null)
        {
            throw new DatasetException($"{path} is not a regular file but a {kind}: place the data set's file itself there");
        }
        if (expectedSize is long expected && size != expected)
        {
            throw new DatasetException(
                $"{path} has {size} bytes, expected {expected}: it is truncated, padded or not the canonical file; delete it and download or place it again");
        }
        if (size > MaxUnknownSize)
        {
            throw new DatasetException($"{path} has {size} bytes, more than the {MaxUnknownSize} bytes a data file may have here");
        }
        return size;
    }

    // statx (Linux, glibc 2.28+) has one layout on every architecture: stx_mode is a u16 at offset 28, stx_size a
    // u64 at offset 40. It follows links, so a link to /dev/zero is seen as the device it is.
    private static (string? Kind, long Size) TypeAndSize(string path)
    {
        const int atFdCwd = -100;
        const uint typeAndSize = 0x1 | 0x200; // STATX_TYPE | STATX_SIZE
        var buffer = new byte[256];
        if (statx(atFdCwd, path, 0, typeAndSize, buffer) != 0)
        {
            throw new DatasetException($"cannot read {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        int type = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        string? kind = type switch
        {
            0x8000 => null,
            0x4000 => "directory",
            0x1000 => "FIFO (named pipe)",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            _ => $"file of type {type:x}",
        };
        return (kind, BitConverter.ToInt64(buffer, 40));
    }

#pragma warning disable SYSLIB1054 // DllImport keeps the byte-buffer call simple
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
#pragma warning restore SYSLIB1054

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
