using System.Diagnostics;
using System.Text.Json;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Tests.Cli;

/// <summary>A real process killed mid-sweep resumes to byte-identical results, and never exposes a partial file.</summary>
public sealed class KillAndResumeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-kill-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string[] Args(string outFolder) =>
        new[] { "run", "--profile", "smoke", "--only", "regimes", "--device", "cpu", "--threads", "1", "--out", outFolder };

    [Fact]
    public void AKilledRunResumesToTheSameBytes()
    {
        string whole = Path.Combine(_root, "whole"), killed = Path.Combine(_root, "killed");
        var (code, _, err) = CliProcess.Run(Args(whole));
        Assert.True(code == 0, err);

        string cells = Path.Combine(killed, "smoke", "regimes", "cells");
        using (Process p = CliProcess.Start(Args(killed)))
        {
            var watch = Stopwatch.StartNew();
            // Kill once the first cell is complete: the run is then mid-sweep.
            while (!p.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
            {
                AssertNoPartialFileAtAFinalPath(cells);
                if (Directory.Exists(cells) && Directory.EnumerateFiles(cells, "*.json").Any(f => !f.EndsWith(".timing.json", StringComparison.Ordinal)))
                {
                    p.Kill(entireProcessTree: true);
                    break;
                }
                Thread.Sleep(5);
            }
            p.WaitForExit();
        }
        AssertNoPartialFileAtAFinalPath(cells);
        int finishedBeforeResume = Directory.GetFiles(cells, "*.rows.csv").Length;
        Assert.True(finishedBeforeResume < Directory.GetFiles(Path.Combine(whole, "smoke", "regimes", "cells"), "*.rows.csv").Length,
            "the kill came too late to interrupt the sweep");

        (code, _, err) = CliProcess.Run(Args(killed));
        Assert.True(code == 0, err);
        CliProcess.AssertSameFiles(whole, killed);
    }

    // Every file at a final path must be complete: CSVs end with a newline and have whole rows; JSON parses.
    private static void AssertNoPartialFileAtAFinalPath(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (string file in Directory.EnumerateFiles(folder))
        {
            if (file.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal) || file.EndsWith(CellLock.Suffix, StringComparison.Ordinal)) continue;
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (FileNotFoundException)
            {
                continue; // replaced by a rename between listing and reading
            }
            if (file.EndsWith(".csv", StringComparison.Ordinal))
            {
                Assert.EndsWith("\n", text);
                string[] lines = text.TrimEnd('\n').Split('\n');
                int columns = lines[0].Split(',').Length;
                Assert.All(lines, l => Assert.Equal(columns, l.Split(',').Length));
            }
            else
            {
                using var _ = JsonDocument.Parse(text);
            }
        }
    }
}
