using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Runtime;
using TorchSharp;
using EEArtifacts.Experiments.Tests.Support;

namespace EEArtifacts.Experiments.Tests.Runner;

/// <summary>The runner's contract on a small fake catalogue: determinism, resume, shards, stale cells, bad input.</summary>
public sealed class RunnerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-runner-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private sealed record NoiseCell(int Size, int Repeat) : ICell
    {
        public string Label => $"size={Size} repeat={Repeat}";
        public void Validate()
        {
            if (Size <= 0) throw new ArgumentException($"size must be > 0, got {Size}");
        }
    }

    private static int s_calls;

    private static Experiment<NoiseCell> Noise(int sizes = 3, int repeats = 2, bool divergeSecond = false) => new(
        "noise",
        "random numbers are reproducible from the cell seed",
        _ => Enumerable.Range(1, sizes).SelectMany(s => Enumerable.Range(0, repeats).Select(r => new NoiseCell(s, r))).ToList(),
        (cell, ctx) =>
        {
            Interlocked.Increment(ref s_calls);
            using var g = TorchRuntime.Generator(ctx.SeedFor("values"));
            using var x = torch.randn(new long[] { cell.Size }, dtype: torch.float64, generator: g);
            var rows = new ResultTable("size", "index", "value");
            double[] values = x.data<double>().ToArray();
            for (int i = 0; i < values.Length; i++)
            {
                rows.Add(cell.Size, i, divergeSecond && cell.Size == 2 ? double.NaN : values[i]);
            }
            var epochs = new ResultTable("epoch", "loss").Add(0, values.Sum()).Add(1, values.Sum() / 2);
            return new CellOutput(rows, epochs, Diverged: divergeSecond && cell.Size == 2);
        });

    private RunOptions Options(string outRoot, string shard = "1/1", params string[] only) =>
        new(Profile.Smoke, DeviceChoice.Cpu, 1, ShardSpec.Parse(shard), only, outRoot, _root, false);

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".timing.json", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    private static ExperimentRunner Runner(params IExperiment[] experiments) => new(experiments, (name, _) => throw new DatasetException($"no data set expected, got {name}"));


    [Fact]
    public void TwoRunsGiveByteIdenticalResults()
    {
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b");
        Runner(Noise()).Run(Options(a), new SilentProgress());
        Runner(Noise()).Run(Options(b), new SilentProgress());
        var left = Snapshot(a);
        var right = Snapshot(b);
        Assert.Equal(left.Keys.Order(), right.Keys.Order());
        Assert.All(left, kv => Assert.Equal(kv.Value, right[kv.Key]));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(a, "smoke", "noise", "cells"), "*.rows.csv").Length);
    }

    [Fact]
    public void RowsFollowTheResultsContract()
    {
        Runner(Noise()).Run(Options(_root), new SilentProgress());
        string cells = Path.Combine(_root, "smoke", "noise", "cells");
        string first = Directory.GetFiles(cells, "0000-*.rows.csv").Single();
        string[] lines = File.ReadAllLines(first);
        Assert.Equal("experiment,cell,repeat,seed,size,index,value", lines[0]);
        Assert.StartsWith("noise,0,0,", lines[1], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.ChangeExtension(Path.ChangeExtension(first, null), ".json")));
        Assert.True(File.Exists(Path.Combine(_root, "smoke", "noise", "experiment.json")));
    }

    [Fact]
    public void FinishedCellsAreSkippedOnResume()
    {
        Runner(Noise()).Run(Options(_root), new SilentProgress());
        var before = Snapshot(_root);
        int calls = s_calls;
        Runner(Noise()).Run(Options(_root), new SilentProgress());
        Assert.Equal(calls, s_calls);
        Assert.Equal(before.Keys.Order(), Snapshot(_root).Keys.Order());
    }

    [Fact]
    public void ACellWithoutItsRecordIsRerunAndMatches()
    {
        string full = Path.Combine(_root, "full");
        Runner(Noise()).Run(Options(full), new SilentProgress());
        var expected = Snapshot(full);
        // Simulate a kill after the rows but before the .json record, plus a leftover temp file.
        string cells = Path.Combine(full, "smoke", "noise", "cells");
        File.Delete(Directory.GetFiles(cells, "0003-*.json").Single(f => !f.EndsWith(".timing.json", StringComparison.Ordinal)));
        File.WriteAllText(Path.Combine(cells, $"0004-abc.rows.csv.{Writer.Current.Host}.{DeadPid()}.1234abcd{AtomicFile.TempSuffix}"), "half a ro");
        Runner(Noise()).Run(Options(full), new SilentProgress());
        var after = Snapshot(full);
        Assert.Equal(expected.Keys.Order(), after.Keys.Order());
        Assert.All(expected, kv => Assert.Equal(kv.Value, after[kv.Key]));
    }

    // The id of a process of this host that has exited.
    private static int DeadPid()
    {
        using var p = System.Diagnostics.Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void StaleCleanupLeavesLiveWritersAndOtherShardsAlone()
    {
        Runner(Noise()).Run(Options(_root, "1/2"), new SilentProgress());
        string cells = Path.Combine(_root, "smoke", "noise", "cells");
        string live = Path.Combine(cells, $"0000-x.rows.csv.{Writer.Tag}.0000beef{AtomicFile.TempSuffix}");
        string remote = Path.Combine(cells, $"0000-x.rows.csv.elsewhere.{DeadPid()}.0000beef{AtomicFile.TempSuffix}");
        string dead = Path.Combine(cells, $"0000-x.rows.csv.{Writer.Current.Host}.{DeadPid()}.0000beef{AtomicFile.TempSuffix}");
        string otherShardsStaleCell = Path.Combine(cells, "0001-oldhash.rows.csv"); // odd index: shard 2/2's
        string myStaleCell = Path.Combine(cells, "0002-oldhash.rows.csv");
        string deadLock = Path.Combine(cells, "0004-oldhash.lock");
        // experiment.json is written one folder up: a writer killed mid-write leaves its temp file there.
        string experiment = Path.Combine(_root, "smoke", "noise", "experiment.json");
        string deadExperiment = $"{experiment}.{Writer.Current.Host}.{DeadPid()}.0000beef{AtomicFile.TempSuffix}";
        string liveExperiment = $"{experiment}.{Writer.Tag}.0000beef{AtomicFile.TempSuffix}";
        foreach (string f in new[] { live, remote, dead, otherShardsStaleCell, myStaleCell, deadExperiment, liveExperiment })
        {
            File.WriteAllText(f, "x");
        }
        File.WriteAllText(deadLock, $"{Writer.Current.Host} {DeadPid()}\n");
        Runner(Noise()).Run(Options(_root, "1/2"), new SilentProgress());
        Assert.True(File.Exists(live) && File.Exists(remote) && File.Exists(otherShardsStaleCell) && File.Exists(liveExperiment));
        Assert.False(File.Exists(dead) || File.Exists(myStaleCell) || File.Exists(deadLock) || File.Exists(deadExperiment));
    }

    [Fact]
    public void AFinishedCellsLockLeftByAKilledWriterIsRemovedOnResumeAndALiveOneKept()
    {
        Runner(Noise()).Run(Options(_root), new SilentProgress());
        string cells = Path.Combine(_root, "smoke", "noise", "cells");
        string[] stems = Directory.GetFiles(cells, "*.json").Select(f => Path.GetFileName(f).Split('.')[0]).Distinct().Order().ToArray();
        string deadLock = Path.Combine(cells, stems[0] + CellLock.Suffix); // killed after its last write, before the release
        string liveLock = Path.Combine(cells, stems[1] + CellLock.Suffix);
        File.WriteAllText(deadLock, $"{Writer.Current.Host} {DeadPid()}\n");
        File.WriteAllText(liveLock, $"{Writer.Current.Host} {Writer.Current.Pid}\n");
        Runner(Noise()).Run(Options(_root), new SilentProgress());
        Assert.False(File.Exists(deadLock));
        Assert.True(File.Exists(liveLock));
    }

    [Fact]
    public void ALockOfADeadProcessOnThisHostIsTakenOver()
    {
        string whole = Path.Combine(_root, "whole"), locked = Path.Combine(_root, "locked");
        Runner(Noise()).Run(Options(whole), new SilentProgress());
        string cells = Path.Combine(locked, "smoke", "noise", "cells");
        Directory.CreateDirectory(cells);
        string stem = Path.GetFileName(Directory.GetFiles(Path.Combine(whole, "smoke", "noise", "cells"), "0002-*.rows.csv").Single()).Split('.')[0];
        File.WriteAllText(Path.Combine(cells, stem + CellLock.Suffix), $"{Writer.Current.Host} {DeadPid()}\n");
        RunSummary summary = Runner(Noise()).Run(Options(locked), new SilentProgress());
        Assert.Empty(summary.Locked);
        var expected = Snapshot(whole);
        var actual = Snapshot(locked);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order()); // the lock is gone, the cell computed
        Assert.All(expected, kv => Assert.Equal(kv.Value, actual[kv.Key]));
    }

    [Fact]
    public void AChangedConfigurationReplacesOldRowsInsteadOfMixing()
    {
        Runner(Noise(sizes: 3)).Run(Options(_root), new SilentProgress());
        Runner(Noise(sizes: 2, repeats: 1)).Run(Options(_root), new SilentProgress());
        string cells = Path.Combine(_root, "smoke", "noise", "cells");
        Assert.Equal(2, Directory.GetFiles(cells, "*.rows.csv").Length);
    }

    [Fact]
    public void TheUnionOfShardsEqualsTheUnshardedRun()
    {
        string whole = Path.Combine(_root, "whole"), merged = Path.Combine(_root, "merged");
        Runner(Noise()).Run(Options(whole), new SilentProgress());
        foreach (string shard in new[] { "1/3", "2/3", "3/3" })
        {
            string part = Path.Combine(_root, "shard" + shard[0]);
            Runner(Noise()).Run(Options(part, shard), new SilentProgress());
            foreach (string file in Directory.EnumerateFiles(part, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(merged, Path.GetRelativePath(part, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true);
            }
        }
        var expected = Snapshot(whole);
        var actual = Snapshot(merged);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.All(expected, kv => Assert.Equal(kv.Value, actual[kv.Key]));
    }

    [Fact]
    public void DivergenceIsRecordedAndTheSweepGoesOn()
    {
        int diverged = Runner(Noise(divergeSecond: true)).Run(Options(_root), new SilentProgress()).Diverged;
        Assert.Equal(2, diverged);
        string cells = Path.Combine(_root, "smoke", "noise", "cells");
        Assert.Equal(6, Directory.GetFiles(cells, "*.rows.csv").Length);
        Assert.Contains(Directory.GetFiles(cells, "*.json"), f => File.ReadAllText(f).Contains("\"status\": \"diverged\"", StringComparison.Ordinal));
    }

    [Fact]
    public void SeedsDependOnTheConfigurationNotThePosition()
    {
        string a = Seeds.ForCell("noise", "{\"size\": 1}").ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(a, Seeds.ForCell("noise", "{\"size\": 1}").ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(Seeds.ForCell("noise", "{\"size\": 1}"), Seeds.ForCell("noise", "{\"size\": 2}"));
        Assert.NotEqual(Seeds.ForCell("noise", "{\"size\": 1}"), Seeds.ForCell("other", "{\"size\": 1}"));
        Assert.True(Seeds.ForCell("noise", "x") >= 0);
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("1-3")]
    [InlineData("a/b")]
    public void BadShardSpecsAreRejected(string text) => Assert.Throws<ArgumentException>(() => ShardSpec.Parse(text));

    [Fact]
    public void UnknownExperimentWritesNothing()
    {
        var e = Assert.Throws<UsageException>(() => Runner(Noise()).Run(Options(_root, "1/1", "nope"), new SilentProgress()));
        Assert.Contains("unknown experiment 'nope'", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "smoke")));
    }

    [Fact]
    public void InvalidCellsAreRejectedBeforeAnyWork()
    {
        var bad = Noise() with { Grid = _ => new[] { new NoiseCell(0, 0) } };
        var e = Assert.Throws<UsageException>(() => Runner(bad).Run(Options(_root), new SilentProgress()));
        Assert.Contains("size must be > 0", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "smoke")));
    }

    [Fact]
    public void AnOutputPathThatIsAFileIsRejected()
    {
        Directory.CreateDirectory(_root);
        string file = Path.Combine(_root, "occupied");
        File.WriteAllText(file, "");
        var e = Assert.Throws<UsageException>(() => Runner(Noise()).Run(Options(Path.Combine(file, "results")), new SilentProgress()));
        Assert.Contains("not writable", e.Message);
    }

    [Fact]
    public void AMissingDatasetIsReportedBeforeAnyWork()
    {
        var needsData = Noise() with { NeedsDatasets = _ => new[] { "mnist" } };
        var runner = new ExperimentRunner(new IExperiment[] { needsData }, (name, sources) => throw new DatasetException($"data set '{name}' missing in {sources.Root}"));
        var e = Assert.Throws<UsageException>(() => runner.Run(Options(_root), new SilentProgress()));
        Assert.Contains("data set 'mnist' missing", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "smoke")));
    }
}
