using System.Runtime.InteropServices;

namespace EEArtifacts.Experiments.Data;

/// <summary>The one check of a data file before anything opens, hashes or reads it.</summary>
public static class DataFileCheck
{
    /// <summary>The largest data file accepted when the table knows no size (the largest known one, CIFAR-10, is 170 MB).</summary>
    public const long MaxUnknownSize = 1L << 30;

    /// <summary>
    /// Checks a data file before it is hashed or read: it must be a regular file (a FIFO or device, or a link to
    /// one, would block or never end), of its known size, or at most <see cref="MaxUnknownSize"/> bytes when the
    /// table has none.
    /// </summary>
    public static void Check(string path, long? expectedSize)
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
}
