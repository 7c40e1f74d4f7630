using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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
/// The fold runs pair by pair: an entry (i, j) of a layer needs only the same entry of the layer before and the
/// inputs' own entries (i, i) and (j, j). So the diagonal pairs go first, keeping each input's terms per layer
/// (<see cref="InputTerms"/>), then every pair i &lt; j folds through all layers in scalars, and only the ten output
/// matrices (five kernels, five error bounds) are n x n. Pairs are independent and each is computed by the same
/// code on any thread, so the result is the same bits for any thread count.
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
    /// <param name="threads">Threads that share the input pairs (the same bits for any count).</param>
    public static EnsembleKernels Compute(MlpSpec spec, double[,] x, KernelQuadrature? quadrature = null, int threads = 1)
    {
        Validate(spec, x);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        KernelQuadrature q = (quadrature ?? KernelQuadrature.Default).Validate();
        var hidden = ModulatedLayerKernel.Of(spec, q);
        int n = x.GetLength(0), depth = spec.Depth;
        bool modulationsTrained = spec.Family == EnsembleFamily.BatchEnsemble;
        var inputs = new InputTerms[depth, n];
        // The outputs in EnsembleKernels' order (Sigma_s, Sigma_c, Theta^com_s, Theta^com_c, Theta^ind), and their errors.
        double[][,] values = [.. Enumerable.Range(0, 5).Select(_ => new double[n, n])];
        double[][,] errors = [.. Enumerable.Range(0, 5).Select(_ => new double[n, n])];
        // One pair through every layer; a diagonal pair records its input's terms, which the pairs i < j then read.
        // The per-pair steps are compiled fully optimized at once (AggressiveOptimization): a run of n = 1000 lasts a
        // fraction of a second, most of it before tiered compilation would replace their first, unoptimized code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Fold(int i, int j, Span<MemberLayerTerms> member, Span<MemberLayerTerms> memberError)
        {
            bool diagonal = i == j;
            (PreactivationKernels k, PreactivationKernels e) = InputLayerKernel.Apply(x, i, j, hidden.SigmaW2, hidden.SigmaB2);
            for (int l = 0; l < depth; l++)
            {
                if (diagonal)
                {
                    inputs[l, i] = hidden.Input(k.KSame, e.KSame);
                }
                (LayerMoments m, LayerMoments em) = hidden.Moments(k, e, inputs[l, i], inputs[l, j], diagonal);
                member[l] = m.Member;
                memberError[l] = em.Member;
                (k, e) = l < depth - 1 ? hidden.Next(k, e, m, em) : ReadoutKernel.Apply(k, e, m, em, hidden.SigmaW2);
            }
            (double theta, double thetaError) = MemberKernel.Sum(member, memberError, hidden.SigmaW2, modulationsTrained, spec.MemberReadoutBias);
            (values[0][i, j], values[1][i, j], values[2][i, j], values[3][i, j], values[4][i, j]) = (k.KSame, k.KCross, k.ThetaSame, k.ThetaCross, theta);
            (errors[0][i, j], errors[1][i, j], errors[2][i, j], errors[3][i, j], errors[4][i, j]) = (e.KSame, e.KCross, e.ThetaSame, e.ThetaCross, thetaError);
        }
        ForEach(n, threads, i =>
        {
            Span<MemberLayerTerms> terms = new MemberLayerTerms[2 * depth];
            Fold(i, i, terms[..depth], terms[depth..]);
        });
        ForEach(n, threads, i =>
        {
            Span<MemberLayerTerms> terms = new MemberLayerTerms[2 * depth];
            for (int j = i + 1; j < n; j++)
            {
                Fold(i, j, terms[..depth], terms[depth..]);
            }
        });
        double[][,] upper = [.. values, .. errors];
        ForEach(upper.Length, threads, o => Mirror(upper[o]));
        return new EnsembleKernels(spec, values[0], values[1], values[2], values[3], values[4])
        {
            Errors = new KernelErrors(errors[0], errors[1], errors[2], errors[3], errors[4]),
        };
    }

    // body(0..count-1) on up to `threads` threads (inline for one); a failure surfaces as itself, as on one thread.
    private static void ForEach(int count, int threads, Action<int> body)
    {
        if (threads == 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    // m[j, i] = m[i, j] for j > i, in 64 x 64 blocks (a column-order write of a large matrix misses the cache on every entry).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Mirror(double[,] m)
    {
        const int block = 64;
        int n = m.GetLength(0);
        for (int ib = 0; ib < n; ib += block)
        {
            for (int jb = ib; jb < n; jb += block)
            {
                for (int i = ib; i < Math.Min(ib + block, n); i++)
                {
                    for (int j = Math.Max(jb, i + 1); j < Math.Min(jb + block, n); j++)
                    {
                        m[j, i] = m[i, j];
                    }
                }
            }
        }
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
