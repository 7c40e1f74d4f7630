using System.Runtime.InteropServices;
using EmbeddedEnsembles.Runtime;
using TorchSharp;

namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// Where a result came from: commit, profile, library versions and the <see cref="NumericEnvironment"/> (written
/// flat, one field each). Every field but <see cref="GitCommit"/> decides the result's bits: Verify promises byte
/// identity only between cells whose provenance agrees apart from the commit.
/// </summary>
/// <param name="GitCommit">The repository commit (see <see cref="EmbeddedEnsembles.Runtime.GitCommit"/>).</param>
/// <param name="Profile">The profile.</param>
/// <param name="Device">The torch device.</param>
/// <param name="Threads">CPU intra-op threads.</param>
/// <param name="Torchsharp">TorchSharp version.</param>
/// <param name="Libtorch">libtorch version.</param>
/// <param name="Dotnet">.NET runtime version.</param>
/// <param name="Os">Operating system and architecture.</param>
/// <param name="CpuVendor">The processor's vendor.</param>
/// <param name="CpuModel">The processor's model name.</param>
/// <param name="IsaLevel">The widest instruction set oneMKL and ATen dispatch on.</param>
/// <param name="MklCbwr">oneMKL's branch in effect (MKL_CBWR).</param>
/// <param name="AtenCpuCapability">ATen's CPU kernel set in effect.</param>
public sealed record Provenance(string GitCommit, string Profile, string Device, int Threads, string Torchsharp, string Libtorch,
    string Dotnet, string Os, string CpuVendor, string CpuModel, string IsaLevel, string MklCbwr, string AtenCpuCapability)
{
    /// <summary>The one field that may differ between byte-identical results.</summary>
    public const string CommitField = "git_commit";

    /// <summary>Collects provenance for this process.</summary>
    public static Provenance Collect(Profile profile, RuntimeInfo runtime)
    {
        NumericEnvironment numeric = NumericEnvironment.Collect(runtime);
        return new Provenance(
            EmbeddedEnsembles.Runtime.GitCommit.Read(),
            profile.ToString().ToLowerInvariant(),
            numeric.Device,
            numeric.Threads,
            runtime.TorchSharpVersion,
            torch.__version__,
            RuntimeInformation.FrameworkDescription,
            $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}".ToLowerInvariant(),
            numeric.CpuVendor,
            numeric.CpuModel,
            numeric.IsaLevel,
            numeric.MklCbwr,
            numeric.AtenCpuCapability);
    }
}
