namespace EmbeddedEnsembles.Training;

/// <summary>The per-member loss.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy of member logits against int64 labels [B], averaged over the batch.</summary>
    CrossEntropy,
    /// <summary>
    /// Half squared error summed over outputs and averaged over the batch: L_a = 1/(2B) sum_i ||f_a(x_i) - y_i||^2,
    /// so dL_a/df_a(x_i) = (f_a(x_i) - y_i)/B and full-batch gradient descent with learning rate mu follows the
    /// gradient flow of THEORY.md section 3 with time tau = steps * mu / B.
    /// </summary>
    Mse,
}

/// <summary>
/// The training rule of THEORY.md section 1: every member sees the same mini-batch, sum_a L_a is backpropagated once,
/// and SGD updates the weight group with learning rate mu_w*gamma(M)/M and the modulation group with mu_u.
/// </summary>
/// <param name="MuW">Base learning rate of the weight group, mu_w.</param>
/// <param name="MuU">Learning rate of the modulation group, mu_u.</param>
/// <param name="Gamma">gamma(M).</param>
public sealed record TrainingRule(double MuW, double MuU, GammaRule Gamma)
{
    /// <summary>Heavy-ball momentum (0 = plain SGD), the same for both groups.</summary>
    public double Momentum { get; init; }
    /// <summary>L2 weight decay of the weight group (added to the gradient).</summary>
    public double WeightDecayShared { get; init; }
    /// <summary>L2 weight decay of the modulation group (none by default).</summary>
    public double WeightDecayModulation { get; init; }
    /// <summary>The per-member loss.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>The weight-group learning rate mu_w * gamma(M) / M.</summary>
    public double SharedLearningRate(int members) => MuW * Gamma.Value(members) / members;

    /// <summary>Throws a clear <see cref="ArgumentException"/> on a bad field.</summary>
    public TrainingRule Validate()
    {
        if (!(MuW >= 0) || !double.IsFinite(MuW)) throw new ArgumentException($"mu_w must be a finite number >= 0, got {MuW}");
        if (!(MuU >= 0) || !double.IsFinite(MuU)) throw new ArgumentException($"mu_u must be a finite number >= 0, got {MuU}");
        if (Gamma is null) throw new ArgumentException("gamma rule is missing");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"momentum must lie in [0, 1), got {Momentum}");
        if (!(WeightDecayShared >= 0) || !double.IsFinite(WeightDecayShared)) throw new ArgumentException($"shared weight decay must be >= 0, got {WeightDecayShared}");
        if (!(WeightDecayModulation >= 0) || !double.IsFinite(WeightDecayModulation)) throw new ArgumentException($"modulation weight decay must be >= 0, got {WeightDecayModulation}");
        return this;
    }
}

/// <summary>What one training step measured (before the update).</summary>
/// <param name="MemberLosses">L_a for a = 1..M.</param>
/// <param name="SummedLoss">sum_a L_a, the backpropagated objective.</param>
public sealed record StepResult(double[] MemberLosses, double SummedLoss)
{
    /// <summary>The mean member loss.</summary>
    public double MeanLoss => SummedLoss / MemberLosses.Length;
}
