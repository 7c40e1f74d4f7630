using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Models;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EmbeddedEnsembles.Kernels.Empirical;

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

/// <summary>A mean over iid values with its standard error (sample standard deviation / sqrt(count)).</summary>
/// <param name="Mean">The mean.</param>
/// <param name="StandardError">Its standard error.</param>
public readonly record struct MeanWithError(double Mean, double StandardError)
{
    /// <summary>The mean of <paramref name="values"/> (at least 2) and its standard error, two-pass.</summary>
    public static MeanWithError Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2)
        {
            throw new ArgumentException($"a standard error needs at least 2 values, got {values.Count}", nameof(values));
        }
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return new MeanWithError(mean, Math.Sqrt(variance / values.Count));
    }
}

/// <summary>Monte Carlo estimate of the output covariance at initialization over S independent initializations.</summary>
/// <param name="Width">Hidden width N.</param>
/// <param name="Same">Estimate of Sigma_s = E[f_a(x) f_a(x')] (averaged over members and outputs).</param>
/// <param name="SameStandardError">Its standard error (sample standard deviation over initializations / sqrt(S)).</param>
/// <param name="Cross">Estimate of Sigma_c = E[f_a(x) f_b(x')], a != b; null when M = 1.</param>
/// <param name="CrossStandardError">Its standard error; null when M = 1.</param>
/// <param name="SameDiagonal">The mean over inputs of the diagonal of <see cref="Same"/> (the mean output variance),
/// with its standard error over initializations.</param>
/// <param name="CrossDiagonal">The same for <see cref="Cross"/>; null when M = 1.</param>
/// <param name="Outputs">The raw outputs: f_a(x_i), output o, of initialization s at [s, a, i, o] (for statistics
/// beyond the covariance, e.g. the kurtosis of the output law).</param>
public sealed record MonteCarloNngp(
    int Width,
    double[,] Same,
    double[,] SameStandardError,
    double[,]? Cross,
    double[,]? CrossStandardError,
    MeanWithError SameDiagonal,
    MeanWithError? CrossDiagonal,
    double[,,,] Outputs)
{
    /// <summary>Number of initializations S.</summary>
    public int Samples => Outputs.GetLength(0);
}

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
    /// Monte Carlo of the output covariance over initializations with the given <paramref name="seeds"/> (float64
    /// models, built and disposed one at a time, in order). Initialization s gives one estimate of Sigma_s,
    /// sum_{o, a} f_a(x)_o f_a(x')_o / (O M), and one of Sigma_c, sum_{o, a != b} f_a(x)_o f_b(x')_o / (O M (M-1)), over
    /// the O outputs; means and standard errors (two-pass) are over initializations, which are iid.
    /// </summary>
    public static MonteCarloNngp OutputCovariance(MlpSpec spec, double[,] x, IReadOnlyList<long> seeds)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(seeds), seeds.Count, "at least 2 initializations are needed for a standard error");
        }
        spec.Validate();
        int samples = seeds.Count, n = x.GetLength(0), m = spec.Members, outs = spec.OutputDim;
        var outputs = new double[samples, m, n, outs];
        for (int s = 0; s < samples; s++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var model = new EnsembleMlp(spec, seeds[s], ScalarType.Float64);
            double[] f = model.MemberOutputs(ToTensor(x, model)).data<double>().ToArray(); // [M, n, out]
            Buffer.BlockCopy(f, 0, outputs, s * f.Length * sizeof(double), f.Length * sizeof(double));
        }

        // Two passes over the initializations: the means, then the squared deviations from them.
        var same = new double[n, n];
        var cross = new double[n, n];
        (double[] sameDiagonal, double[] crossDiagonal) = AddSampleTerms(outputs, same, cross, null, null);
        var sameSquares = new double[n, n];
        var crossSquares = new double[n, n];
        AddSampleTerms(outputs, sameSquares, crossSquares, same, cross);
        double[,] sameSe = StandardError(sameSquares, samples), crossSe = StandardError(crossSquares, samples);
        return m > 1
            ? new MonteCarloNngp(spec.Width, same, sameSe, cross, crossSe, MeanWithError.Of(sameDiagonal), MeanWithError.Of(crossDiagonal), outputs)
            : new MonteCarloNngp(spec.Width, same, sameSe, null, null, MeanWithError.Of(sameDiagonal), null, outputs);
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
            shared.AddScaled_(readoutGram, readoutScale * readoutScale);
            Tensor w = independent ? model.ReadoutWeight.select(1, o).unsqueeze(1) : model.ReadoutWeight[o].reshape(1, 1, widthL);
            Tensor g = w.MulBy(readoutScale).expand(m, n, widthL); // df/dx^L
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
                    member.Plus_(du.bmm(du.transpose(1, 2))).Plus_(dv.bmm(dv.transpose(1, 2)));
                }
                long width = delta.shape[2];
                Tensor layerInput = l == 1 ? input.unsqueeze(0).expand(m, n, input.shape[1]) : trace.Activations[l - 2];
                Tensor df = delta.reshape(m * n, width);
                Tensor xf = layerInput.reshape(m * n, layerInput.shape[2]);
                Tensor deltaGram = df.matmul(df.t());
                double s = model.WeightScale(l);
                shared.AddScaled_(deltaGram.mul(xf.matmul(xf.t())), s * s).AddScaled_(deltaGram, biasScale * biasScale);
                if (l > 1)
                {
                    g = (independent ? delta.bmm(weights[l - 1]) : delta.matmul(weights[l - 1])).MulBy(s); // df/dx^{l-1}
                }
            }
        }
        using (Scalar outputs = spec.OutputDim.ToScalar())
        {
            shared.div_(outputs);
            member.div_(outputs);
        }
        if (independent)
        {
            shared.mul_(BlockDiagonalMask(m, n, options));
        }
        if (spec.MemberReadoutBias)
        {
            member.Plus_(1);
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
            sharedTotal.Plus_(js.matmul(js.t()));
            if (member.Length > 0)
            {
                Tensor jm = stack(memberRows).to_type(ScalarType.Float64);
                memberTotal.Plus_(jm.matmul(jm.t()));
            }
        }
        using Scalar outputs = outs.ToScalar();
        return new EmpiricalNtk(m, n, ToMatrix(sharedTotal.div(outputs)), ToMatrix(memberTotal.div(outputs)));
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
        Tensor k = flat.matmul(flat.t()).MulBy(spec.SigmaW * spec.SigmaW / width);
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

    // Initialization s's estimates of Sigma_s and Sigma_c from its outputs [s, a, i, o] (0 across members when M = 1).
    private static void SampleCovariance(double[,,,] outputs, int s, double[,] same, double[,] cross)
    {
        int m = outputs.GetLength(1), n = outputs.GetLength(2), outs = outputs.GetLength(3);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double ss = 0, cc = 0;
                for (int o = 0; o < outs; o++)
                {
                    for (int a = 0; a < m; a++)
                    {
                        for (int b = 0; b < m; b++)
                        {
                            double p = outputs[s, a, i, o] * outputs[s, b, j, o];
                            if (a == b) ss += p; else cc += p;
                        }
                    }
                }
                same[i, j] = ss / (outs * m);
                cross[i, j] = m > 1 ? cc / (outs * m * (m - 1)) : 0;
            }
        }
    }

    // One pass over the initializations: adds each one's terms (AddTerms) of Sigma_s and Sigma_c to the totals and
    // returns each one's mean diagonals (the mean over inputs of its estimates at x = x').
    private static (double[] Same, double[] Cross) AddSampleTerms(double[,,,] outputs, double[,] sameTotal, double[,] crossTotal,
        double[,]? sameMean, double[,]? crossMean)
    {
        int samples = outputs.GetLength(0), n = outputs.GetLength(2);
        var sampleSame = new double[n, n];
        var sampleCross = new double[n, n];
        var sameDiagonal = new double[samples];
        var crossDiagonal = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            SampleCovariance(outputs, s, sampleSame, sampleCross);
            AddTerms(sameTotal, sampleSame, sameMean, samples);
            AddTerms(crossTotal, sampleCross, crossMean, samples);
            for (int i = 0; i < n; i++)
            {
                sameDiagonal[s] += sampleSame[i, i] / n;
                crossDiagonal[s] += sampleCross[i, i] / n;
            }
        }
        return (sameDiagonal, crossDiagonal);
    }

    // One initialization's term of a mean over S (mean null: sample/S) or of a sum of squared deviations from mean.
    private static void AddTerms(double[,] total, double[,] sample, double[,]? mean, int samples)
    {
        int n = total.GetLength(0);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                total[i, j] += mean is null ? sample[i, j] / samples : Square(sample[i, j] - mean[i, j]);
            }
        }
    }

    // Standard errors of means over S iid samples from their sums of squared deviations.
    private static double[,] StandardError(double[,] squares, int samples)
    {
        int n = squares.GetLength(0);
        var se = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                se[i, j] = Math.Sqrt(squares[i, j] / (samples - 1.0) / samples);
            }
        }
        return se;
    }

    private static double Square(double x) => x * x;

    private readonly record struct TensorOptions(ScalarType Type, Device Device)
    {
        public TensorOptions(Tensor t) : this(t.dtype, t.device) { }
    }
}
