using System.Diagnostics;

namespace EEArtifacts.Experiments.Tests.Cli;

/// <summary>
/// The whole catalogue (smoke grids) killed at several seeded random moments and resumed each time ends with
/// results identical to an uninterrupted run; Verify names a committed result with one flipped byte.
/// </summary>
public sealed class ReliabilityTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-reliability-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static string[] Args(string outFolder) =>
        new[] { "run", "--profile", "smoke", "--device", "cpu", "--threads", "1", "--out", outFolder };

    [Fact]
    public void RandomKillsAndResumesEndWithIdenticalArtifactsAndVerifyNamesAFlippedByte()
    {
        string whole = Path.Combine(_root, "whole"), killed = Path.Combine(_root, "killed");
        var watch = Stopwatch.StartNew();
        var (code, _, err) = CliProcess.Run(Args(whole));
        Assert.True(code == 0, err);
        double fullSeconds = watch.Elapsed.TotalSeconds;

        var random = new Random(20220225);
        for (int kill = 0; kill < 3; kill++)
        {
            using Process p = CliProcess.Start(Args(killed));
            // A random moment within the first 80% of an uninterrupted run: mid-cell or mid-write alike.
            p.WaitForExit(TimeSpan.FromSeconds(random.NextDouble() * 0.8 * fullSeconds));
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
            p.WaitForExit();
        }
        (code, _, err) = CliProcess.Run(Args(killed));
        Assert.True(code == 0, err);
        CliProcess.AssertSameFiles(whole, killed);

        // Corrupt one byte of a committed rows file: Verify must fail and name it.
        string victim = Directory.EnumerateFiles(Path.Combine(whole, "smoke"), "*.rows.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        byte[] bytes = File.ReadAllBytes(victim);
        int at = Array.LastIndexOf(bytes, (byte)'.') + 1; // a digit after the last decimal point
        bytes[at] = (byte)(bytes[at] == (byte)'9' ? '1' : bytes[at] + 1);
        File.WriteAllBytes(victim, bytes);
        var (verifyCode, output, _) = CliProcess.Run("verify", "--expected", Path.Combine(whole, "smoke"), "--actual", Path.Combine(killed, "smoke"));
        Assert.Equal(1, verifyCode);
        Assert.Contains(Path.GetFileName(victim), output);
        Assert.Contains("MISMATCH", output);
    }
}
