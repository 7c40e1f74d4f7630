using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace EEArtifacts.Experiments.Cli;

/// <summary>
/// The NumPy .npy format, version 1.0, for a float64 matrix: magic "\x93NUMPY", version 1.0, a little-endian uint16
/// header length, an ASCII dict header padded with spaces to a multiple of 64 bytes and ending in a newline, then the
/// values little-endian in C (row-major) order. numpy.load and every array library read it.
/// </summary>
public static class Npy
{
    /// <summary>Writes the file: the header, then the values straight from the matrix's memory (no copy of the matrix).</summary>
    public static void Write(string path, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int rows = matrix.GetLength(0), cols = matrix.GetLength(1);
        string dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        int unpadded = 10 + dict.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        string header = dict + new string(' ', padded - unpadded) + "\n";
        var head = new byte[10];
        head[0] = 0x93;
        "NUMPY"u8.CopyTo(head.AsSpan(1));
        head[6] = 1;
        head[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)header.Length);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        file.Write(head);
        file.Write(Encoding.ASCII.GetBytes(header));
        if (matrix.Length == 0)
        {
            return;
        }
        // A double[,] is stored row-major: its memory is already the C-order payload (little-endian on every host .NET runs here).
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException(".npy output is written little-endian; this host is big-endian");
        }
        file.Write(MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref matrix[0, 0], matrix.Length)));
    }
}
