using System.Security.Cryptography;
using System.Text;

namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// Seed derivation: every seed comes from hashing names, so a cell's seed depends only on the experiment and
/// the cell's own configuration (repeat included), never on its position or on which cells ran before.
/// </summary>
public static class Seeds
{
    /// <summary>The seed of a cell.</summary>
    public static long ForCell(string experiment, string configJson) => Derive(experiment + "\n" + configJson);

    /// <summary>A sub-seed for one purpose within a cell ("init", "masks", "data", "order/epoch-3").</summary>
    public static long ForPurpose(long cellSeed, string purpose) => Derive(cellSeed.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + purpose);

    private static long Derive(string text)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        // 62 bits: positive and safe for generators that take a signed or unsigned 64-bit seed.
        return (long)(BitConverter.ToUInt64(hash, 0) >> 2);
    }
}
