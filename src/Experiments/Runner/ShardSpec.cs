using System.Globalization;

namespace EEArtifacts.Experiments.Runner;

/// <summary>Shard i of n (1-based): cell k belongs to it when k mod n == i - 1. A deterministic partition.</summary>
/// <param name="Index">Which shard, 1..Count.</param>
/// <param name="Count">How many shards.</param>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>The whole grid.</summary>
    public static ShardSpec All { get; } = new(1, 1);

    /// <summary>Whether the cell at <paramref name="cellIndex"/> is this shard's.</summary>
    public bool Owns(int cellIndex) => cellIndex % Count == Index - 1;

    /// <summary>Parses "i/n" with 1 &lt;= i &lt;= n.</summary>
    public static ShardSpec Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && i >= 1 && i <= n)
        {
            return new ShardSpec(i, n);
        }
        throw new ArgumentException($"bad shard '{text}': expected i/n with 1 <= i <= n, e.g. 2/3");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";
}
