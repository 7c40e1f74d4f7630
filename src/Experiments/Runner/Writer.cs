using System.Diagnostics;
using System.Text;

namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// Who writes into a results folder: this host and process. It names temp files and cell locks, so that a writer
/// removes only what a dead writer left. A writer counts as dead only when it ran on this host and its process is
/// gone; a writer on another host is never presumed dead (its liveness cannot be checked from here).
/// </summary>
public static class Writer
{
    /// <summary>A writer: host (dots and other separators replaced) and process id.</summary>
    public sealed record Id(string Host, int Pid)
    {
        /// <inheritdoc />
        public override string ToString() => $"host {Host} pid {Pid}";
    }

    /// <summary>This process.</summary>
    public static Id Current { get; } = new(HostName(), Environment.ProcessId);

    /// <summary>"&lt;host&gt;.&lt;pid&gt;" of this process, as it appears in temp file names.</summary>
    public static string Tag => $"{Current.Host}.{Current.Pid}";

    /// <summary>Whether <paramref name="writer"/> ran on this host and its process no longer exists.</summary>
    public static bool IsDeadLocal(Id writer) => writer.Host == Current.Host && !IsRunning(writer.Pid);

    private static bool IsRunning(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // Letters, digits and '-' only, so that a temp name splits unambiguously at its dots.
    private static string HostName()
    {
        var name = new StringBuilder();
        foreach (char c in Environment.MachineName)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_');
        }
        return name.Length > 0 ? name.ToString() : "unknown";
    }
}
