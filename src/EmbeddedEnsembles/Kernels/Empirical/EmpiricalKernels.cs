using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Kernels.Empirical;

/// <summary>How <see cref="EmpiricalKernels.OutputCovariance"/> estimates E[f_a(x) f_b(x')] from one initialization.</summary>
public enum NngpEstimator
{
    /// <summary>The product of the outputs f_a(x) f_b(x'): the plain Monte Carlo of the output covariance.</summary>
    Outputs,
    /// <summary>
    /// The expectation over the (Gaussian, zero-mean) readout weights given the hidden layers,
    /// sigma_w^2/N_L x_a^L(x) . x_b^L(x') (0 across members with separate readouts): the same mean with far less
    /// variance. For one network this is its "empirical NNGP", which concentrates like 1/sqrt(N).
    /// </summary>
    ReadoutConditional,
}

/// <summary>
/// The empirical NTK of one finite ensemble on n inputs, member-major (M n) x (M n) matrices: block (a, b) holds
/// grad f_a(X) . grad f_b(X)^T over the shared parameters (<see cref="Shared"/>) and over the member-specific
/// parameters (<see cref="Member"/>; zero off the diagonal blocks). With several outputs, the (o, o) kernels are
/// averaged over o.
/// </summary>
/// <param name="Members">M.</param>
/// <param name="Points">n.</param>
/// <param name="Shared">Theta^com blocks.</param>
/// <param name="Member">Theta^ind blocks.</param>
public sealed record EmpiricalNtk(int Members, int Points, double[,] Shared, double[,] Member)
{
    /// <summary>Theta^com_s: the mean of the M diagonal blocks of <see cref="Shared"/>.</summary>
    public double[,] SharedSame => BlockMean(Shared, same: true);
    /// <summary>Theta^com_c: the mean of the M (M-1) off-diagonal blocks of <see cref="Shared"/> (zeros when M = 1).</summary>
    public double[,] SharedCross => BlockMean(Shared, same: false);
    /// <summary>Theta^ind: the mean of the M diagonal blocks of <see cref="Member"/>.</summary>
    public double[,] MemberSame => BlockMean(Member, same: true);

    /// <summary>Block (a, b) of a member-major (M n) x (M n) matrix.</summary>
    public double[,] Block(double[,] full, int a, int b)
    {
        ArgumentNullException.ThrowIfNull(full);
        int[] rows = Enumerable.Range(a * Points, Points).ToArray();
        int[] cols = Enumerable.Range(b * Points, Points).ToArray();
        return Matrix.Sub(full, rows, cols);
    }

    private double[,] BlockMean(double[,] full, bool same)
    {
        var mean = new double[Points, Points];
        int count = 0;
        for (int a = 0; a < Members; a++)
        {
            for (int b = 0; b < Members; b++)
            {
                if ((a == b) != same)
                {
                    continue;
                }
                count++;
                for (int i = 0; i < Points; i++)
                {
                    for (int j = 0; j < Points; j++)
                    {
                        mean[i, j] += full[a * Points + i, b * Points + j];
                    }
                }
            }
        }
        return count == 0 ? mean : Matrix.Scale(1.0 / count, mean);
    }
}

/// <summary>Monte Carlo estimate of the output covariance at initialization over independent initializations.</summary>
/// <param name="Samples">Number of initializations S.</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="Estimator">The per-initialization estimator.</param>
/// <param name="Same">Estimate of Sigma_s = E[f_a(x) f_a(x')] (averaged over members and outputs).</param>
/// <param name="SameStandardError">Its standard error (sample standard deviation over initializations / sqrt(S)).</param>
/// <param name="Cross">Estimate of Sigma_c = E[f_a(x) f_b(x')], a != b; null when M = 1.</param>
/// <param name="CrossStandardError">Its standard error; null when M = 1.</param>
public sealed record MonteCarloNngp(
    int Samples,
    int Width,
    NngpEstimator Estimator,
    double[,] Same,
    double[,] SameStandardError,
    double[,]? Cross,
    double[,]? CrossStandardError);

/// <summary>
/// Kernels of finite ensembles (<see cref="EnsembleMlp"/>), measured: output covariances over many initializations
/// and the exact empirical NTK split into shared-weight and member-specific parts. Everything runs in the model's
/// dtype (build it in float64 for comparisons with <see cref="AnalyticKernels"/>) and without autograd, except the
/// full-Jacobian reference <see cref="NtkByAutograd"/>.
/// </summary>
public static class EmpiricalKernels
{
    /// <summary>
    /// E[f_a(x) f_b(x') | hidden layers] for one network, member-major (M n) x (M n): sigma_w^2/N_L x_a^L . x_b^L for
    /// a shared readout (both parameterizations give readout variance sigma_w^2/N_L), zero across members with
    /// separate readouts (independent ensembles).
    /// </summary>
    public static double[,] ConditionalNngp(EnsembleMlp model, double[,] x)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor input = ToTensor(x, model);
        EnsembleTrace trace = model.Trace(input);
        Tensor kernel = ConditionalNngpTensor(model, trace.Activations[^1]);
        return ToMatrix(kernel);
    }

    /// <summary>
    /// Monte Carlo of the output covariance over <paramref name="samples"/> initializations with seeds
    /// <paramref name="firstSeed"/>, <paramref name="firstSeed"/> + 1, ... (float64 models, built and disposed one at a
    /// time). Each initialization gives one estimate of Sigma_s (averaged over members and outputs) and one of Sigma_c
    /// (averaged over ordered pairs a != b); means and standard errors are over initializations, which are iid.
    /// </summary>
    public static MonteCarloNngp OutputCovariance(MlpSpec spec, double[,] x, int samples, long firstSeed,
        NngpEstimator estimator = NngpEstimator.Outputs)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(x);
        if (samples < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "at least 2 initializations are needed for a standard error");
        }
        spec.Validate();
        int n = x.GetLength(0), m = spec.Members;
        var meanS = new double[n, n];
        var m2S = new double[n, n];
        var meanC = new double[n, n];
        var m2C = new double[n, n];
        for (int s = 0; s < samples; s++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var model = new EnsembleMlp(spec, firstSeed + s, ScalarType.Float64);
            Tensor input = ToTensor(x, model);
            Tensor same, cross;
            if (estimator == NngpEstimator.Outputs)
            {
                Tensor f = model.MemberOutputs(input).permute(2, 0, 1); // [out, M, n]
                double outs = spec.OutputDim;
                Tensor diag = f.transpose(1, 2).matmul(f).sum(0L) / outs;             // sum_a f_a f_a^T, summed over outputs / out
                Tensor total = f.sum(1);                                             // [out, n]: sum_a f_a
                Tensor all = total.unsqueeze(2).mul(total.unsqueeze(1)).sum(0L) / outs; // sum_{a,b} f_a f_b^T
                same = diag / m;
                cross = m > 1 ? (all - diag) / (m * (m - 1.0)) : zeros_like(diag);
            }
            else
            {
                EnsembleTrace trace = model.Trace(input);
                Tensor k = ConditionalNngpTensor(model, trace.Activations[^1]).reshape(m, n, m, n).permute(0, 2, 1, 3); // [M, M, n, n]
                Tensor diag = k.diagonal(0, 0, 1).sum(-1L);                             // sum_a K_aa, [n, n]
                same = diag / m;
                cross = m > 1 ? (k.sum([0, 1]) - diag) / (m * (m - 1.0)) : zeros_like(diag);
            }
            Accumulate(ToMatrix(same), s + 1, meanS, m2S);
            Accumulate(ToMatrix(cross), s + 1, meanC, m2C);
        }
        double[,] seS = StandardError(m2S, samples), seC = StandardError(m2C, samples);
        return m > 1
            ? new MonteCarloNngp(samples, spec.Width, estimator, meanS, seS, meanC, seC)
            : new MonteCarloNngp(samples, spec.Width, estimator, meanS, seS, null, null);
    }

    /// <summary>
    /// The exact empirical NTK of <paramref name="model"/> on the inputs <paramref name="x"/> (n x N_0), layer by layer
    /// from a manual backward pass: with delta^l = df/dz^l (pre-activation, before v) and x^{l-1} the layer input,
    /// hidden weights contribute s_l^2 (delta_a . delta_b)(x_a^{l-1} . x_b^{l-1}), biases s_b^2 delta_a . delta_b, the
    /// readout s_{L+1}^2 x_a^L . x_b^L; member parameters (BatchEnsemble u and v, member readout bias) contribute
    /// (g u-gradients) and (g v-gradients) inner products within a member, with g = df/dx^l:
    /// df/du = g phi(v z), df/dv = g u phi'(v z) z. Cost O(L (M n)^2 N + L M n N^2): no weight-sized Jacobians.
    /// Independent ensembles share no parameters, so their cross blocks are 0.
    /// </summary>
    public static EmpiricalNtk Ntk(EnsembleMlp model, double[,] x)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        MlpSpec spec = model.Spec;
        int m = spec.Members, n = x.GetLength(0), depth = spec.Depth;
        bool independent = spec.Family == EnsembleFamily.Independent;
        bool trainedModulations = spec.Family == EnsembleFamily.BatchEnsemble;
        Activation phi = spec.Activation;
        Tensor input = ToTensor(x, model);
        EnsembleTrace trace = model.Trace(input);
        IReadOnlyList<Tensor> weights = model.HiddenWeights, us = model.U, vs = model.V;
        double biasScale = model.BiasScale;
        var options = new TensorOptions(input);
        Tensor shared = zeros([m * n, m * n], options.Type, options.Device);
        Tensor member = zeros([m, n, n], options.Type, options.Device);
        Tensor readoutInput = trace.Activations[depth - 1];
        long widthL = readoutInput.shape[2];
        double readoutScale = model.WeightScale(depth + 1);
        Tensor xl = readoutInput.reshape(m * n, widthL);
        Tensor readoutGram = xl.matmul(xl.t());
        for (int o = 0; o < spec.OutputDim; o++)
        {
            shared.add_(readoutGram, alpha: readoutScale * readoutScale);
            Tensor w = independent ? model.ReadoutWeight.select(1, o).unsqueeze(1) : model.ReadoutWeight[o].reshape(1, 1, widthL);
            Tensor g = w.mul(readoutScale).expand(m, n, widthL); // df/dx^L
            for (int l = depth; l >= 1; l--)
            {
                Tensor z = trace.PreActivations[l - 1];
                Tensor u = us[l - 1].unsqueeze(1), v = vs[l - 1].unsqueeze(1);
                Tensor vz = v.mul(z);
                Tensor dphi = phi.DerivativeTensor(vz);
                Tensor delta = g.mul(u).mul(v).mul(dphi); // df/dz^l, [M, n, N_l]
                if (trainedModulations)
                {
                    Tensor du = g.mul(phi.Forward(vz));
                    Tensor dv = g.mul(u).mul(dphi).mul(z);
                    member.add_(du.bmm(du.transpose(1, 2))).add_(dv.bmm(dv.transpose(1, 2)));
                }
                long width = delta.shape[2];
                Tensor layerInput = l == 1 ? input.unsqueeze(0).expand(m, n, input.shape[1]) : trace.Activations[l - 2];
                Tensor df = delta.reshape(m * n, width);
                Tensor xf = layerInput.reshape(m * n, layerInput.shape[2]);
                Tensor deltaGram = df.matmul(df.t());
                double s = model.WeightScale(l);
                shared.add_(deltaGram.mul(xf.matmul(xf.t())), alpha: s * s).add_(deltaGram, alpha: biasScale * biasScale);
                if (l > 1)
                {
                    g = (independent ? delta.bmm(weights[l - 1]) : delta.matmul(weights[l - 1])).mul(s); // df/dx^{l-1}
                }
            }
        }
        shared.div_(spec.OutputDim);
        member.div_(spec.OutputDim);
        if (independent)
        {
            shared.mul_(BlockDiagonalMask(m, n, options));
        }
        if (spec.MemberReadoutBias)
        {
            member.add_(1);
        }
        return new EmpiricalNtk(m, n, ToMatrix(shared), ToMatrix(BlockDiagonal(member)));
    }

    /// <summary>
    /// The same NTK from the full Jacobian: one autograd backward per output f_a(x_i)_o into every parameter of
    /// <see cref="EnsembleMlp.SharedParameters"/> and <see cref="EnsembleMlp.ModulationParameters"/>, then J J^T. Costs
    /// M n (outputs) backward passes and Jacobians of parameter size: the reference for tiny networks only.
    /// </summary>
    public static EmpiricalNtk NtkByAutograd(EnsembleMlp model, double[,] x)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        MlpSpec spec = model.Spec;
        int m = spec.Members, n = x.GetLength(0), outs = spec.OutputDim;
        Parameter[] shared = model.SharedParameters().ToArray();
        Parameter[] member = model.ModulationParameters().ToArray();
        Tensor[] all = shared.Cast<Tensor>().Concat(member).ToArray();
        Tensor f = model.MemberOutputs(ToTensor(x, model)); // [M, n, out]
        var sharedTotal = zeros([m * n, m * n], ScalarType.Float64);
        var memberTotal = zeros([m * n, m * n], ScalarType.Float64);
        for (int o = 0; o < outs; o++)
        {
            var sharedRows = new List<Tensor>();
            var memberRows = new List<Tensor>();
            for (int a = 0; a < m; a++)
            {
                for (int i = 0; i < n; i++)
                {
                    IList<Tensor> g = autograd.grad([f[a, i, o]], all, retain_graph: true, allow_unused: true);
                    sharedRows.Add(Flatten(g.Take(shared.Length).ToArray(), shared));
                    memberRows.Add(Flatten(g.Skip(shared.Length).ToArray(), member));
                }
            }
            Tensor js = stack(sharedRows).to_type(ScalarType.Float64);
            sharedTotal.add_(js.matmul(js.t()));
            if (member.Length > 0)
            {
                Tensor jm = stack(memberRows).to_type(ScalarType.Float64);
                memberTotal.add_(jm.matmul(jm.t()));
            }
        }
        return new EmpiricalNtk(m, n, ToMatrix(sharedTotal.div(outs)), ToMatrix(memberTotal.div(outs)));
    }

    /// <summary>The empirical NTK averaged over initializations with the given seeds (float64 models).</summary>
    public static EmpiricalNtk AverageNtk(MlpSpec spec, double[,] x, IEnumerable<long> seeds)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(seeds);
        double[,]? shared = null, member = null;
        int count = 0;
        foreach (long seed in seeds)
        {
            using var model = new EnsembleMlp(spec, seed, ScalarType.Float64);
            EmpiricalNtk k = Ntk(model, x);
            shared = shared is null ? k.Shared : Matrix.Combine(1, shared, 1, k.Shared);
            member = member is null ? k.Member : Matrix.Combine(1, member, 1, k.Member);
            count++;
        }
        if (count == 0 || shared is null || member is null)
        {
            throw new ArgumentException("at least one seed is needed");
        }
        return new EmpiricalNtk(spec.Members, x.GetLength(0), Matrix.Scale(1.0 / count, shared), Matrix.Scale(1.0 / count, member));
    }

    /// <summary>The conditional NNGP averaged over initializations with the given seeds, member-major (M n) x (M n).</summary>
    public static double[,] AverageConditionalNngp(MlpSpec spec, double[,] x, IEnumerable<long> seeds)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(seeds);
        double[,]? sum = null;
        int count = 0;
        foreach (long seed in seeds)
        {
            using var model = new EnsembleMlp(spec, seed, ScalarType.Float64);
            double[,] k = ConditionalNngp(model, x);
            sum = sum is null ? k : Matrix.Combine(1, sum, 1, k);
            count++;
        }
        if (count == 0 || sum is null)
        {
            throw new ArgumentException("at least one seed is needed");
        }
        return Matrix.Scale(1.0 / count, sum);
    }

    private static Tensor ConditionalNngpTensor(EnsembleMlp model, Tensor last)
    {
        MlpSpec spec = model.Spec;
        int m = spec.Members;
        long n = last.shape[1], width = last.shape[2];
        Tensor flat = last.reshape(m * n, width);
        Tensor k = flat.matmul(flat.t()).mul(spec.SigmaW * spec.SigmaW / width);
        if (spec.Family == EnsembleFamily.Independent)
        {
            k = k.mul(BlockDiagonalMask(m, (int)n, new TensorOptions(k)));
        }
        return k;
    }

    private static Tensor BlockDiagonalMask(int members, int n, TensorOptions options) =>
        kron(eye(members, dtype: options.Type, device: options.Device), ones([n, n], options.Type, options.Device));

    // [M, n, n] to the member-major block-diagonal (M n) x (M n).
    private static Tensor BlockDiagonal(Tensor blocks) => block_diag(Enumerable.Range(0, (int)blocks.shape[0]).Select(a => blocks[a]).ToArray());

    private static Tensor Flatten(Tensor[] grads, Parameter[] parameters)
    {
        if (parameters.Length == 0)
        {
            return zeros([1], ScalarType.Float64);
        }
        return cat(grads.Select((g, k) => (g is null || g.IsInvalid ? zeros_like(parameters[k]) : g).flatten()).ToArray(), 0);
    }

    private static Tensor ToTensor(double[,] x, EnsembleMlp model)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.GetLength(1) != model.Spec.InputDim)
        {
            throw new ArgumentException($"inputs have {x.GetLength(1)} columns, the model's input dimension is {model.Spec.InputDim}");
        }
        var flat = new double[x.Length];
        Buffer.BlockCopy(x, 0, flat, 0, x.Length * sizeof(double));
        return tensor(flat, [x.GetLength(0), x.GetLength(1)], ScalarType.Float64)
            .to(model.DType, model.ReadoutWeight.device);
    }

    private static double[,] ToMatrix(Tensor t)
    {
        double[] values = t.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        int rows = (int)t.shape[0], cols = (int)t.shape[1];
        var m = new double[rows, cols];
        Buffer.BlockCopy(values, 0, m, 0, values.Length * sizeof(double));
        return m;
    }

    // Welford's update of running means and sums of squared deviations (no cancellation when the spread is small).
    private static void Accumulate(double[,] value, int count, double[,] mean, double[,] m2)
    {
        int n = value.GetLength(0);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double d = value[i, j] - mean[i, j];
                mean[i, j] += d / count;
                m2[i, j] += d * (value[i, j] - mean[i, j]);
            }
        }
    }

    private static double[,] StandardError(double[,] m2, int samples)
    {
        int n = m2.GetLength(0);
        var se = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                se[i, j] = Math.Sqrt(m2[i, j] / (samples - 1.0) / samples);
            }
        }
        return se;
    }

    private readonly record struct TensorOptions(ScalarType Type, Device Device)
    {
        public TensorOptions(Tensor t) : this(t.dtype, t.device) { }
    }
}
