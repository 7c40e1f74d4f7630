using System.Diagnostics;
using EEArtifacts.Experiments.Cli;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Tests.Cli;

/// <summary>Real processes writing into one results folder: shards, identical runs, held locks, worker jobs.</summary>
public sealed class ConcurrentRunTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-concurrent-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static string[] Args(string outFolder, params string[] extra) =>
        new[] { "run", "--profile", "smoke", "--only", "gp-init,regimes", "--device", "cpu", "--threads", "1", "--out", outFolder }.Concat(extra).ToArray();

    private static (int Code, string Out, string Err)[] RunTogether(params string[][] runs) =>
        runs.Select(args => Task.Run(() => CliProcess.Run(args))).ToArray().Select(t => t.Result).ToArray();

    [Fact]
    public void TwoShardsIntoOneFolderGiveTheUnshardedBytes()
    {
        string whole = Path.Combine(_root, "whole");
        Assert.Equal(0, CliProcess.Run(Args(whole)).Code);
        for (int trial = 0; trial < 3; trial++)
        {
            string shared = Path.Combine(_root, "shared" + trial);
            var results = RunTogether(Args(shared, "--shard", "1/2"), Args(shared, "--shard", "2/2"));
            Assert.All(results, r => Assert.True(r.Code == 0, r.Err));
            CliProcess.AssertSameFiles(whole, shared);
        }
    }

    [Fact]
    public void TwoIdenticalRunsIntoOneFolderShareTheWorkAndBothSucceed()
    {
        string whole = Path.Combine(_root, "whole"), shared = Path.Combine(_root, "shared");
        Assert.Equal(0, CliProcess.Run(Args(whole)).Code);
        var results = RunTogether(Args(shared), Args(shared, "--jobs", "2"));
        Assert.All(results, r => Assert.True(r.Code == 0, r.Err));
        CliProcess.AssertSameFiles(whole, shared); // no lock or temp file is left either
    }

    [Fact]
    public void ACellLockedFromAnotherHostIsSkippedWithOneLineAndExitCode3()
    {
        string whole = Path.Combine(_root, "whole"), shared = Path.Combine(_root, "shared");
        Assert.Equal(0, CliProcess.Run(Args(whole)).Code);
        string cells = Path.Combine(whole, "smoke", "regimes", "cells");
        string stem = Path.GetFileName(Directory.GetFiles(cells, "0001-*.rows.csv").Single()).Split('.')[0];
        string lockFile = Path.Combine(shared, "smoke", "regimes", "cells", stem + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        File.WriteAllText(lockFile, "elsewhere 4242\n");

        var (code, _, err) = CliProcess.Run(Args(shared));
        Assert.Equal(ExperimentsCli.CellsLocked, code);
        string line = Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("locked by host elsewhere pid 4242", line, StringComparison.Ordinal);
        Assert.True(File.Exists(lockFile), "another host's lock must not be removed");
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(lockFile)!, stem + ".json")));

        File.Delete(lockFile); // what the message tells a user to do once that run is gone
        Assert.Equal(0, CliProcess.Run(Args(shared)).Code);
        CliProcess.AssertSameFiles(whole, shared);
    }

    [Fact]
    public void OneAndTwoJobsGiveTheSameBytesForTheWholeSmokeProfile()
    {
        string one = Path.Combine(_root, "one"), two = Path.Combine(_root, "two");
        string[] Smoke(string o, string jobs) => new[] { "run", "--profile", "smoke", "--device", "cpu", "--threads", "1", "--jobs", jobs, "--out", o };
        var (code, _, err) = CliProcess.Run(Smoke(one, "1"));
        Assert.True(code == 0, err);
        string output;
        (code, output, err) = CliProcess.Run(Smoke(two, "2"));
        Assert.True(code == 0, err);
        Assert.Contains("2 worker processes", output, StringComparison.Ordinal);
        CliProcess.AssertSameFiles(one, two);
    }

    [Fact]
    public async Task AKilledWorkerFailsTheRunWithOneLineAndTheRunResumes()
    {
        string whole = Path.Combine(_root, "whole"), killed = Path.Combine(_root, "killed");
        Assert.Equal(0, CliProcess.Run(Args(whole)).Code);
        using (Process run = CliProcess.Start(Args(killed, "--jobs", "2")))
        {
            Task<string> stdout = run.StandardOutput.ReadToEndAsync();
            Task<string> stderr = run.StandardError.ReadToEndAsync();
            var watch = Stopwatch.StartNew();
            bool workerKilled = false;
            while (!workerKilled && !run.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
            {
                foreach (int pid in WorkersOf(run.Id))
                {
                    try
                    {
                        using Process worker = Process.GetProcessById(pid);
                        worker.Kill();
                        workerKilled = true;
                        break;
                    }
                    catch (ArgumentException)
                    {
                        // exited meanwhile
                    }
                }
                Thread.Sleep(20);
            }
            Assert.True(workerKilled, "no worker process was found");
            Assert.True(run.WaitForExit(TimeSpan.FromMinutes(2)));
            Assert.Equal(ExperimentsCli.Failed, run.ExitCode);
            string line = Assert.Single((await stderr).TrimEnd('\n').Split('\n'));
            Assert.Contains("worker", line, StringComparison.Ordinal);
            await stdout;
        }
        Assert.Equal(0, CliProcess.Run(Args(killed)).Code); // the dead run's locks and temp files are taken over
        CliProcess.AssertSameFiles(whole, killed);
    }

    // The worker processes of a run, from /proc (Linux): its children started with the worker command.
    private static IEnumerable<int> WorkersOf(int parent)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string stat, commandLine;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
                commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.TryParse(fields[1], out int ppid) && ppid == parent && commandLine.Split('\0').Contains(ExperimentRunner.WorkerCommand)
                && int.TryParse(Path.GetFileName(dir), out int pid))
            {
                yield return pid;
            }
        }
    }
}
