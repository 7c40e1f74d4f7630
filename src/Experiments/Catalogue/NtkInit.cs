using EEArtifacts.Experiments.Runner;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Kernels.Empirical;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Numerics;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Models;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>E2 `ntk-init`: the empirical ensemble NTK (exact gradients) against the analytic one (Theorem 2).</summary>
public static class NtkInit
{
    /// <summary>One (setting, width, repeat): one network's NTK.</summary>
    /// <param name="Setting">The modulation setting (see <see cref="InitSettings.All"/>).</param>
    /// <param name="Width">Hidden width.</param>
    /// <param name="Repeat">Which initialization.</param>
    public sealed record Cell(string Setting, int Width, int Repeat) : ICell
    {
        /// <inheritdoc />
        public string Label => $"{Setting} width={Width} repeat={Repeat}";
        /// <inheritdoc />
        public void Validate() => GpInit.Find(Setting).Spec(Width).Validate();
    }

    /// <summary>The experiment.</summary>
    public static Experiment<Cell> Definition { get; } = new(
        ResultLayout.NtkInit.Experiment,
        "The empirical ensemble NTK concentrates on its analytic value as width grows (error ~ N^-1/2); its cross-member block vanishes for U1 = 0 and is positive for U1 != 0 (Theorem 2).",
        Grid,
        Run);

    private static IReadOnlyList<Cell> Grid(Profile profile)
    {
        (int[] widths, int repeats) = profile switch
        {
            Profile.Smoke => (new[] { 16, 32 }, 1),
            Profile.Quick => (new[] { 64, 128, 256, 512, 1024, 2048 }, 5),
            _ => (new[] { 64, 128, 256, 512, 1024, 2048, 4096 }, 10),
        };
        return InitSettings.All.SelectMany(s => widths.SelectMany(w => Enumerable.Range(0, repeats).Select(r => new Cell(s.Name, w, r)))).ToList();
    }

    private static CellOutput Run(Cell cell, CellContext context)
    {
        InitSettings.Setting setting = GpInit.Find(cell.Setting);
        double[,] x = InitSettings.Inputs();
        EnsembleKernels theory = AnalyticKernels.Compute(setting.Spec(1), x);
        using var model = new EnsembleMlp(setting.Spec(cell.Width), context.SeedFor("init"), ScalarType.Float64);
        EmpiricalNtk ntk = EmpiricalKernels.Ntk(model, x);
        double comError = InitSettings.JointRelativeError(ntk.SharedSame, ntk.SharedCross, theory.NtkSharedSame, theory.NtkSharedCross);
        // MC-dropout masks are not trained: no member-specific kernel to compare.
        double indError = setting.Family == EnsembleFamily.McDropout
            ? double.NaN
            : Matrix.RelativeError(ntk.MemberSame, theory.NtkMember);
        var rows = new ResultTable(ResultLayout.NtkInit.Rows)
            .Add(cell.Setting, setting.U1, setting.RegimeName, cell.Width, comError, indError,
                InitSettings.MeanDiagonal(ntk.SharedCross) / InitSettings.MeanDiagonal(ntk.SharedSame),
                InitSettings.MeanDiagonal(theory.NtkSharedCross) / InitSettings.MeanDiagonal(theory.NtkSharedSame));
        return new CellOutput(rows);
    }
}
