using EEArtifacts.Experiments.Catalogue;
using EmbeddedEnsembles.Model;

namespace EEArtifacts.Experiments.Cost;

/// <summary>
/// The GEMM (matrix-multiply and convolution) FLOPs of one SGD step of a training configuration, from its layer
/// shapes: 2 FLOPs per multiply-add, counted for the forward pass, the weight gradient and the input gradient.
/// As in the layers: the first layer of a BatchEnsemble or MC-dropout ensemble multiplies the shared batch once
/// (B rows; modulations act after it) and computes no input gradient (data need none); every later layer, and every
/// layer of an independent ensemble, runs on M*B rows. Elementwise work, pooling and the optimizer are not counted.
/// </summary>
public static class StepFlops
{
    private const int KernelArea = 3 * 3; // EnsembleCnn's 3x3 convolutions

    /// <summary>FLOPs of one step of <paramref name="config"/> on a full batch of its task <paramref name="shape"/>.</summary>
    public static double PerStep(TrainConfig config, TaskShape shape)
    {
        double total = 0;
        IReadOnlyList<(long Rows, long MultiplyAddsPerRow)> gemms = Gemms(config, shape);
        for (int i = 0; i < gemms.Count; i++)
        {
            int passes = i == 0 ? 2 : 3; // forward and weight gradient; later layers also the input gradient
            total += 2.0 * passes * gemms[i].Rows * gemms[i].MultiplyAddsPerRow;
        }
        return total;
    }

    // Every GEMM of the forward pass in order, the readout last: its rows and multiply-adds per row.
    private static IReadOnlyList<(long Rows, long MultiplyAddsPerRow)> Gemms(TrainConfig config, TaskShape shape)
    {
        long batch = config.BatchSize, all = (long)config.Members * config.BatchSize;
        long firstRows = config.Family == EnsembleFamily.Independent ? all : batch;
        var gemms = new List<(long, long)>();
        long features;
        if (config.Architecture == Architecture.Mlp)
        {
            EnsembleSpec spec = config.MlpSpec(shape.InputShape, shape.Classes);
            features = spec.InputDim;
            for (int l = 0; l < spec.Depth; l++)
            {
                gemms.Add((l == 0 ? firstRows : all, features * spec.Width));
                features = spec.Width;
            }
        }
        else
        {
            CnnSpec spec = config.CnnSpec(shape.InputShape, shape.Classes);
            long channels = spec.InputChannels, size = spec.ImageSize;
            for (int s = 0; s < spec.StageChannels.Count; s++)
            {
                for (int c = 0; c < spec.ConvsPerStage; c++)
                {
                    long width = spec.Channels(s);
                    gemms.Add((gemms.Count == 0 ? firstRows : all, size * size * channels * width * KernelArea));
                    channels = width;
                }
                size /= 2; // 2x2 max-pooling after each stage
            }
            features = channels; // global average pooling
        }
        gemms.Add((all, features * shape.Classes));
        return gemms;
    }
}
