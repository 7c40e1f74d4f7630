using System.Buffers.Binary;
using System.Text;

namespace EEArtifacts.Experiments.Cli;

/// <summary>
/// The NumPy .npy format, version 1.0, for a float64 matrix: magic "\x93NUMPY", version 1.0, a little-endian uint16
/// header length, an ASCII dict header padded with spaces to a multiple of 64 bytes and ending in a newline, then the
/// values little-endian in C (row-major) order. numpy.load and every array library read it.
/// </summary>
public static class Npy
{
    /// <summary>The file's bytes.</summary>
    public static byte[] Encode(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int rows = matrix.GetLength(0), cols = matrix.GetLength(1);
        string dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        int unpadded = 10 + dict.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        string header = dict + new string(' ', padded - unpadded) + "\n";
        var bytes = new byte[padded + 8L * rows * cols];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
        int offset = padded;
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(offset), matrix[i, j]);
                offset += 8;
            }
        }
        return bytes;
    }
}
