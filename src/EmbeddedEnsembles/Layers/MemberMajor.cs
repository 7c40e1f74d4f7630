using static TorchSharp.torch;

namespace EmbeddedEnsembles.Layers;

/// <summary>
/// The member-major batch layout: [M*B, ...] with all of member 0's rows first, and its [M, B, ...] view.
/// </summary>
public static class MemberMajor
{
    /// <summary>[M*B, ...] to [M, B, ...] (a view); fails clearly when the rows are not a multiple of M.</summary>
    public static Tensor Split(Tensor x, int members)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() < 1 || x.shape[0] % members != 0)
        {
            throw new ArgumentException($"member-major batch needs a multiple of M = {members} rows, got shape [{string.Join(", ", x.shape)}]");
        }
        long[] shape = new long[x.dim() + 1];
        shape[0] = members;
        shape[1] = x.shape[0] / members;
        for (int i = 1; i < x.dim(); i++) shape[i + 1] = x.shape[i];
        return x.reshape(shape);
    }

    /// <summary>[M, B, ...] to [M*B, ...].</summary>
    public static Tensor Merge(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        long[] shape = new long[x.dim() - 1];
        shape[0] = x.shape[0] * x.shape[1];
        for (int i = 2; i < x.dim(); i++) shape[i - 1] = x.shape[i];
        return x.reshape(shape);
    }

    /// <summary>Tiles an untiled batch [B, ...] to member-major [M*B, ...] (every member sees the same rows).</summary>
    public static Tensor Tile(Tensor x, int members)
    {
        ArgumentNullException.ThrowIfNull(x);
        long[] reps = new long[x.dim()];
        Array.Fill(reps, 1L);
        reps[0] = members;
        return x.repeat(reps);
    }
}
