namespace EmbeddedEnsembles.Models;

/// <summary>
/// Trainable parameter counts split into shared and per-member parts: Total = Shared + Members * PerMember.
/// Fixed MC-dropout masks are buffers, not parameters, and are not counted.
/// </summary>
/// <param name="Shared">Parameters shared by all members (0 for an independent ensemble).</param>
/// <param name="PerMember">Parameters owned by each member.</param>
/// <param name="Members">Ensemble size M.</param>
public sealed record ParameterCount(long Shared, long PerMember, int Members)
{
    /// <summary>Shared + Members * PerMember.</summary>
    public long Total => Shared + Members * PerMember;
}
