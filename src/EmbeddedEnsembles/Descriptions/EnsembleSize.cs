namespace EmbeddedEnsembles.Descriptions;

/// <summary>The one check of an ensemble size M, shared by descriptions, layers, gamma rules and kernels.</summary>
public static class EnsembleSize
{
    /// <summary>Returns <paramref name="members"/>; throws an <see cref="ArgumentException"/> unless M >= 1.</summary>
    public static int Require(int members) =>
        members >= 1 ? members : throw new ArgumentException($"ensemble size M must be >= 1, got {members}");
}
