namespace EmbeddedEnsembles.Layers;

/// <summary>
/// Derives independent, reproducible seeds for separate purposes ("weights", "modulations", ...) from one seed,
/// so that e.g. changing the modulation law never changes the shared weights drawn from the same seed.
/// </summary>
public static class SeedStreams
{
    /// <summary>Purpose name of the generator that draws shared (and independent-member) weights.</summary>
    public const string Weights = "weights";
    /// <summary>Purpose name of the generator that draws modulations u, v and MC-dropout masks.</summary>
    public const string Modulations = "modulations";

    /// <summary>A deterministic seed for <paramref name="purpose"/> derived from <paramref name="seed"/> (SplitMix64 mixing).</summary>
    public static long Derive(long seed, string purpose)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ulong h = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        foreach (char c in purpose)
        {
            h = Mix(h ^ c);
        }
        return (long)(h & long.MaxValue);
    }

    /// <summary>A new CPU generator for <paramref name="purpose"/> derived from <paramref name="seed"/>.</summary>
    public static TorchSharp.torch.Generator Generator(long seed, string purpose) =>
        new((ulong)Derive(seed, purpose));

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
