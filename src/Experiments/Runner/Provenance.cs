using System.Diagnostics;
using System.Runtime.InteropServices;
using EmbeddedEnsembles.Runtime;
using TorchSharp;

namespace EEArtifacts.Experiments.Runner;

/// <summary>Where a result came from: commit, profile, device, threads and library versions.</summary>
/// <param name="GitCommit">The repository commit (with "-dirty" when the tree had changes), or "unknown".</param>
/// <param name="Profile">The profile.</param>
/// <param name="Device">The torch device.</param>
/// <param name="Threads">CPU intra-op threads.</param>
/// <param name="Torchsharp">TorchSharp version.</param>
/// <param name="Libtorch">libtorch version.</param>
/// <param name="Dotnet">.NET runtime version.</param>
/// <param name="Os">Operating system and architecture.</param>
/// <param name="MklCbwr">oneMKL's code-path setting (MKL_CBWR), which decides cross-machine bit reproducibility on CPU.</param>
public sealed record Provenance(string GitCommit, string Profile, string Device, int Threads, string Torchsharp, string Libtorch, string Dotnet, string Os, string MklCbwr)
{
    /// <summary>Collects provenance for this process.</summary>
    public static Provenance Collect(Profile profile, RuntimeInfo runtime) => new(
        ReadGitCommit(),
        profile.ToString().ToLowerInvariant(),
        runtime.DeviceName,
        runtime.Threads,
        runtime.TorchSharpVersion,
        torch.__version__,
        RuntimeInformation.FrameworkDescription,
        $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}".ToLowerInvariant(),
        Environment.GetEnvironmentVariable("MKL_CBWR") ?? "unset");

    // EE_GIT_COMMIT wins (set by CI or shards that run outside a checkout); else ask git; else "unknown".
    private static string ReadGitCommit()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("EE_GIT_COMMIT");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }
        string? head = Git("rev-parse", "HEAD");
        if (head is null)
        {
            return "unknown";
        }
        string? status = Git("status", "--porcelain", "--untracked-files=no");
        return string.IsNullOrEmpty(status) ? head : head + "-dirty";
    }

    private static string? Git(params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args)
            {
                info.ArgumentList.Add(a);
            }
            using Process? p = Process.Start(info);
            if (p is null)
            {
                return null;
            }
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(10_000);
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }
}
