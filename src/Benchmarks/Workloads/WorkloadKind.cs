namespace EEArtifacts.Benchmarks.Workloads;

/// <summary>The configurations the ensemble suites compare; the names are the benchmark method names.</summary>
public enum WorkloadKind
{
    /// <summary>The baseline: one plain network (nn.Linear layers, M = 1) on M*B distinct rows, the compute floor.</summary>
    SingleNetwork,
    /// <summary>BatchEnsemble, M members, one mini-batch [B, in] shared by all members (how the project trains).</summary>
    BatchEnsemble,
    /// <summary>BatchEnsemble fed a member-major batch [M*B, in] of distinct rows: exactly the baseline's GEMM work.</summary>
    BatchEnsembleTiled,
    /// <summary>MC-dropout ensemble (shared weights, fixed Bernoulli masks), shared mini-batch.</summary>
    McDropout,
    /// <summary>Independent ensemble, all members in one vectorized (batched-matmul) pass, shared mini-batch.</summary>
    IndependentVectorized,
    /// <summary>Independent ensemble as M standalone networks stepped one after another, shared mini-batch.</summary>
    IndependentLoop,
}

/// <summary>Facts about a <see cref="WorkloadKind"/>.</summary>
public static class WorkloadKinds
{
    /// <summary>Every kind, baseline first.</summary>
    public static IReadOnlyList<WorkloadKind> All { get; } = Enum.GetValues<WorkloadKind>();

    /// <summary>
    /// Whether the first layer's GEMM runs once on the B shared rows (shared weight, shared input) instead of on M*B rows.
    /// </summary>
    public static bool SharesFirstLayer(this WorkloadKind kind) => kind is WorkloadKind.BatchEnsemble or WorkloadKind.McDropout;

    /// <summary>The name used in results files (the benchmark method name).</summary>
    public static string Name(this WorkloadKind kind) => kind.ToString();

    /// <summary>Parses a method name back to its kind, or null.</summary>
    public static WorkloadKind? Parse(string name) => Enum.TryParse(name, ignoreCase: false, out WorkloadKind k) ? k : null;
}

/// <summary>
/// The network every ensemble suite measures (issue 7): input 64, two hidden layers of width N, 10 outputs,
/// a mini-batch of B = 64 rows per member. Rows = M*B is what the baseline network processes.
/// </summary>
/// <param name="Width">Hidden width N.</param>
/// <param name="Members">Ensemble size M.</param>
/// <param name="Batch">Rows per member B.</param>
/// <param name="InputDim">Input features.</param>
/// <param name="Depth">Hidden layers L.</param>
/// <param name="OutputDim">Outputs (classes).</param>
public sealed record WorkloadShape(int Width, int Members, int Batch = 64, int InputDim = 64, int Depth = 2, int OutputDim = 10)
{
    /// <summary>M*B.</summary>
    public int Rows => Members * Batch;

    /// <summary>Layer sizes [InputDim, N, ..., N, OutputDim] (Depth + 2 numbers).</summary>
    public IReadOnlyList<int> LayerSizes
    {
        get
        {
            var sizes = new List<int> { InputDim };
            sizes.AddRange(Enumerable.Repeat(Width, Depth));
            sizes.Add(OutputDim);
            return sizes;
        }
    }

    /// <summary>Parameters of one plain network of this shape with hidden biases and no readout bias.</summary>
    public long SingleNetworkParameters
    {
        get
        {
            IReadOnlyList<int> s = LayerSizes;
            long total = 0;
            for (int l = 0; l + 1 < s.Count; l++)
            {
                total += (long)s[l] * s[l + 1] + (l + 1 < s.Count - 1 ? s[l + 1] : 0);
            }
            return total;
        }
    }
}
