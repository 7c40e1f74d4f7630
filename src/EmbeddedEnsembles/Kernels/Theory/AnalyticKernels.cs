using EmbeddedEnsembles.Descriptions;

namespace EmbeddedEnsembles.Kernels.Theory;

/// <summary>
/// The infinite-width kernels of an ensemble MLP (THEORY.md section 2) for a set of inputs, in float64, NTK
/// parameterization. Each activation supplies its own moments (<see cref="Activation.SameMemberMoments"/>,
/// <see cref="Activation.CrossMemberMoments"/>): closed forms for ReLU and erf, adaptive quadrature otherwise
/// (<see cref="QuadratureKernelRule"/>).
/// <para>
/// The recursion (sequential limit) is a fold over the layers, each step with its formula in its own docstring:
/// <see cref="InputLayerKernel"/> gives K^1 = Theta^{com,1}; each hidden layer's <see cref="ModulatedLayerKernel"/>
/// gives its moments (C, D, A_u, A_v), then the next layer's K and Theta^com; <see cref="ReadoutKernel"/> gives the
/// output's Sigma and Theta^com; <see cref="MemberKernel"/> sums the member part Theta^ind from the readout back.
/// Every pair (z, z') has the same-member diagonal as its variances.
/// </para>
/// <para>
/// Families. BatchEnsemble: as above. MC-dropout: u ~ bernoulli(p)/p, v = 1, masks not trained, so the modulation
/// part of Theta^ind is 0. Independent ensemble: members are separate networks with u = v = 1, so the same-member
/// kernels are the plain NNGP/NTK, every cross kernel is 0 and Theta^ind has no modulation part. All of an
/// independent ensemble's weights sit in the weight group (rate mu_w gamma(M)/M), so the mean-mode formula of
/// section 3 applies unchanged: Theta_s = mu_w gamma(M)/M Theta_plain, Theta_c = 0, and gamma(M) = M trains each
/// member at mu_w exactly as a standalone network. A per-member readout bias (any family) is member-specific: it
/// adds 1 to Theta^ind (df_a/dc_a = 1) and nothing to the NNGP (it starts at 0).
/// </para>
/// </summary>
public static class AnalyticKernels
{
    /// <summary>Computes every kernel part for the inputs <paramref name="x"/> (n x N_0): validate, fold over the layers, read out.</summary>
    /// <param name="spec">The ensemble; must use the NTK parameterization (the theory's).</param>
    /// <param name="x">Inputs, one per row, N_0 = spec.InputDim columns.</param>
    /// <param name="quadrature">Accuracy of the moments without closed forms; null for the defaults.</param>
    public static EnsembleKernels Compute(MlpSpec spec, double[,] x, KernelQuadrature? quadrature = null)
    {
        Validate(spec, x);
        KernelQuadrature q = (quadrature ?? KernelQuadrature.Default).Validate();
        var hidden = ModulatedLayerKernel.Of(spec, q);
        PreactivationKernels k = InputLayerKernel.Apply(x, hidden.SigmaW2, hidden.SigmaB2);
        var memberTerms = new List<MemberLayerTerms>(spec.Depth);
        for (int l = 1; l <= spec.Depth; l++)
        {
            LayerMoments m = hidden.Moments(k);
            memberTerms.Add(m.Member);
            k = l < spec.Depth ? hidden.Next(k, m) : ReadoutKernel.Apply(k, m, hidden.SigmaW2);
        }
        (double[,] member, double[,] memberError) = MemberKernel.Sum(memberTerms, hidden.SigmaW2,
            modulationsTrained: spec.Family == EnsembleFamily.BatchEnsemble, spec.MemberReadoutBias);
        PreactivationKernels e = k.Errors!;
        return new EnsembleKernels(spec, k.KSame, k.KCross, k.ThetaSame, k.ThetaCross, member)
        {
            Errors = new KernelErrors(e.KSame, e.KCross, e.ThetaSame, e.ThetaCross, memberError),
        };
    }

    private static void Validate(MlpSpec spec, double[,] x)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(x);
        spec.Validate();
        if (spec.Parameterization != Parameterization.Ntk)
        {
            throw new ArgumentException("analytic kernels describe the NTK parameterization; the spec uses the standard one");
        }
        if (x.GetLength(1) != spec.InputDim)
        {
            throw new ArgumentException($"inputs have {x.GetLength(1)} columns, the spec's input dimension is {spec.InputDim}");
        }
        foreach (double value in x)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException("inputs must be finite");
            }
        }
    }
}
