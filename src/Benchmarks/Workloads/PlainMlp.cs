using EmbeddedEnsembles.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EEArtifacts.Benchmarks.Workloads;

/// <summary>
/// The baseline: one plain network of the benchmark shape built from TorchSharp's own nn.Linear (one fused
/// addmm per hidden layer, standard parameterization) and ReLU, readout without bias computed as W h^T (as in
/// the ensembles). It exposes
/// itself as a one-member <see cref="IEnsembleModel"/> so the library's <c>EnsembleTrainer</c> steps it exactly as
/// it steps the ensembles: the only difference between the configurations is the model.
/// </summary>
public sealed class PlainMlp : Module<Tensor, Tensor>, IEnsembleModel
{
#pragma warning disable IDE1006
    private readonly ModuleList<Linear> layers;
#pragma warning restore IDE1006

    /// <summary>Builds the network with the weights of a one-member, standard-parameterization <paramref name="source"/>.</summary>
    public PlainMlp(EnsembleMlp source) : base(nameof(PlainMlp))
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Members != 1 || source.Spec.Parameterization != EmbeddedEnsembles.Descriptions.Parameterization.Standard)
        {
            throw new ArgumentException("a plain network copies a one-member ensemble with standard parameterization");
        }
        var list = new List<Linear>();
        using (no_grad())
        {
            for (int l = 0; l < source.HiddenWeights.Count; l++)
            {
                Tensor w = source.HiddenWeights[l];
                Linear layer = Linear(w.shape[1], w.shape[0], hasBias: true, dtype: w.dtype);
                layer.weight!.copy_(w.reshape(w.shape[0], w.shape[1]));
                layer.bias!.copy_(source.HiddenBiases[l].reshape(-1));
                list.Add(layer);
            }
            Tensor r = source.ReadoutWeight;
            Linear readout = Linear(r.shape[1], r.shape[0], hasBias: false, dtype: r.dtype);
            readout.weight!.copy_(r.reshape(r.shape[0], r.shape[1]));
            list.Add(readout);
        }
        layers = new ModuleList<Linear>(list.ToArray());
        OutputDim = (int)source.ReadoutWeight.shape[0];
        RegisterComponents();
    }

    /// <summary>Always 1.</summary>
    public int Members => 1;

    /// <inheritdoc />
    public int OutputDim { get; }

    /// <summary>[R, in] to [R, out].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Scores(x).t().MoveToOuterDisposeScope();
    }

    /// <summary>[1, R, out]: the network as a one-member ensemble.</summary>
    public Tensor MemberOutputs(Tensor x)
    {
        using var scope = NewDisposeScope();
        return forward(x).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>[1, out, R], as the library's readout computes it.</summary>
    public Tensor ClassMajorOutputs(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Scores(x).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>W h^T [out, R] (faster than h W^T with 10 outputs, as in the library's EnsembleReadout).</summary>
    private Tensor Scores(Tensor x)
    {
        Tensor h = x;
        for (int l = 0; l + 1 < layers.Count; l++)
        {
            h = nn.functional.relu(layers[l].forward(h));
        }
        return layers[^1].weight!.mm(h.t());
    }

    /// <inheritdoc />
    public IEnumerable<Parameter> SharedParameters() => parameters();

    /// <inheritdoc />
    public IEnumerable<Parameter> ModulationParameters() => [];

    /// <inheritdoc />
    public ParameterCount Count() => new(parameters().Sum(p => p.numel()), 0, 1);
}
