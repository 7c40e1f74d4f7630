using EmbeddedEnsembles.Descriptions;

namespace EmbeddedEnsembles.Cost;

/// <summary>One GEMM (matrix product or convolution) of a forward pass: the rows it runs on and its multiply-adds per row.</summary>
/// <param name="Rows">Rows of the product: B for a shared first layer, M*B otherwise.</param>
/// <param name="MultiplyAddsPerRow">fan-in times fan-out (times output positions and kernel area for a convolution).</param>
public readonly record struct GemmLayer(long Rows, long MultiplyAddsPerRow);

/// <summary>
/// The one FLOP rule for the dense work of an ensemble (the "model FLOPs" a cost estimate or a roofline uses):
/// 2 FLOPs per multiply-add. A forward pass costs 2 r a for each GEMM; a training step adds the weight gradient (2 r a)
/// and the input gradient (2 r a), except in the first GEMM, whose input (the data) needs no gradient. As in the
/// layers, the first layer of a BatchEnsemble or MC-dropout ensemble multiplies the shared batch once (B rows; the
/// modulations act after it); every later layer, and every layer of independent networks, runs on M*B rows.
/// Elementwise work (bias, activation, modulations, pooling, loss, optimizer) is not counted.
/// </summary>
public static class GemmFlops
{
    private const int KernelArea = 3 * 3; // EnsembleCnn's 3x3 convolutions

    /// <summary>GEMM FLOPs of one forward pass.</summary>
    public static double Forward(IReadOnlyList<GemmLayer> gemms) => gemms.Sum(g => 2.0 * g.Rows * g.MultiplyAddsPerRow);

    /// <summary>GEMM FLOPs of one training step: forward, weight gradient and (after the first GEMM) input gradient.</summary>
    public static double TrainingStep(IReadOnlyList<GemmLayer> gemms)
    {
        double total = 0;
        for (int i = 0; i < gemms.Count; i++)
        {
            int passes = i == 0 ? 2 : 3;
            total += 2.0 * passes * gemms[i].Rows * gemms[i].MultiplyAddsPerRow;
        }
        return total;
    }

    /// <summary>Whether a family's first layer runs once on the shared batch (shared weight, shared input).</summary>
    public static bool SharesFirstLayer(EnsembleFamily family) => family != EnsembleFamily.Independent;

    /// <summary>
    /// The GEMMs of a fully-connected ensemble with layer sizes [N_0, N_1, ..., N_L, outputs] on a batch of
    /// <paramref name="batch"/> examples per member.
    /// </summary>
    public static IReadOnlyList<GemmLayer> FullyConnected(IReadOnlyList<int> layerSizes, long batch, int members, bool sharesFirstLayer)
    {
        long all = EnsembleSize.Require(members) * batch;
        var gemms = new List<GemmLayer>();
        for (int l = 0; l + 1 < layerSizes.Count; l++)
        {
            gemms.Add(new GemmLayer(l == 0 && sharesFirstLayer ? batch : all, (long)layerSizes[l] * layerSizes[l + 1]));
        }
        return gemms;
    }

    /// <summary>The GEMMs of an ensemble MLP, the readout last.</summary>
    public static IReadOnlyList<GemmLayer> Of(MlpSpec spec, long batch)
    {
        var sizes = new List<int> { spec.InputDim };
        sizes.AddRange(Enumerable.Repeat(spec.Width, spec.Depth));
        sizes.Add(spec.OutputDim);
        return FullyConnected(sizes, batch, spec.Members, SharesFirstLayer(spec.Family));
    }

    /// <summary>The GEMMs of an ensemble CNN: each 3x3 convolution at its stage's resolution, then the readout.</summary>
    public static IReadOnlyList<GemmLayer> Of(CnnSpec spec, long batch)
    {
        long all = EnsembleSize.Require(spec.Members) * batch;
        long firstRows = SharesFirstLayer(spec.Family) ? batch : all;
        var gemms = new List<GemmLayer>();
        long channels = spec.InputChannels, size = spec.ImageSize;
        for (int s = 0; s < spec.StageChannels.Count; s++)
        {
            for (int c = 0; c < spec.ConvsPerStage; c++)
            {
                long width = spec.Channels(s);
                gemms.Add(new GemmLayer(gemms.Count == 0 ? firstRows : all, size * size * channels * width * KernelArea));
                channels = width;
            }
            size /= 2; // 2x2 max-pooling after each stage
        }
        gemms.Add(new GemmLayer(all, channels * spec.Classes)); // global average pooling, then the readout
        return gemms;
    }
}
