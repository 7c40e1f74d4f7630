using System.Diagnostics;

namespace EmbeddedEnsembles.Runtime;

/// <summary>
/// Which commit of this repository produced a result: the one reader for the experiments' provenance and the
/// benchmarks' run.json. EE_GIT_COMMIT wins (CI, cluster shards outside a checkout, or the References target,
/// which names the commit the references were made from); else git's HEAD, with "-dirty" when tracked files
/// had changes; else "unknown".
/// </summary>
public static class GitCommit
{
    /// <summary>The variable that names the commit explicitly.</summary>
    public const string Variable = "EE_GIT_COMMIT";

    /// <summary>Reads the commit of the current working folder's checkout.</summary>
    public static string Read()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }
        string? head = Git("rev-parse", "HEAD");
        if (string.IsNullOrEmpty(head))
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
            Task<string> error = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(10_000);
            _ = error.Result;
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }
}
