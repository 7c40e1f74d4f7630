using EEArtifacts.Benchmarks.Analysis;
using EEArtifacts.Benchmarks.Output;
using EEArtifacts.Benchmarks.Peer;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Tests.Peer;

/// The PyTorch peer: the server's answers parsed, the rounds compared, the targets evaluated, the skip path, and
/// (with python3-torch) one tiny real interleaved run.
public class TorchPeerTests
{
    private const string Versions = "1.13.0a0,OpenBLAS 0.3.21 DYNAMIC_ARCH Zen MAX_THREADS=64,3.11.2";

    private static PeerTiming Answer(WorkloadKind kind, int width, double ms) => TorchPeer.ParseTiming(
        FormattableString.Invariant($"{kind},{width},4,{ms},10,1,{Versions}"));

    private static PeerComparison Compare(WorkloadKind kind, int width, double[] projectMs, double[] peerMs) =>
        PeerComparison.FromRounds(kind, width, 4, 10, projectMs, peerMs.Select(ms => Answer(kind, width, ms)).ToList())!;

    [Fact]
    public void AnAnswerParsesToATiming() =>
        Assert.Equal(new PeerTiming(WorkloadKind.BatchEnsemble, 256, 4, 4.5, 200, 1, "1.13.0a0", "OpenBLAS 0.3.21 DYNAMIC_ARCH Zen MAX_THREADS=64", "3.11.2"),
            TorchPeer.ParseTiming($"BatchEnsemble,256,4,4.5,200,1,{Versions}"));

    [Theory]
    [InlineData("McDropout,256,4,2.5,200,1," + Versions)] // not a peer workload
    [InlineData("SingleNetwork,256,4,-1,200,1," + Versions)] // not a time
    [InlineData("SingleNetwork,256,4,2.5,200," + Versions)] // a column short
    [InlineData(ResultFiles.PeerTimingHeader)]
    public void ABadAnswerIsRejected(string row) =>
        Assert.StartsWith("bad peer row", Assert.Throws<FormatException>(() => TorchPeer.ParseTiming(row)).Message);

    [Fact]
    public void TheComparisonIsTheMedianOfPerRoundRatiosWithItsSpread()
    {
        // Round ratios 1.0, 0.5, 2.0: a slow round of the peer (the second) and of the project (the third) move the
        // extremes, not the median.
        PeerComparison c = Compare(WorkloadKind.SingleNetwork, 256, [2.0, 2.0, 4.0], [2.0, 4.0, 2.0]);
        Assert.Equal((1.0, 0.5, 2.0), (c.RatioMedian, c.RatioMin, c.RatioMax));
        Assert.Equal((2.0, 2.0, 3, 10), (c.ProjectMedianMs, c.PeerMedianMs, c.Rounds, c.StepsPerRound));
        Assert.Equal(ResultFiles.PeerHeader + "\n" + $"SingleNetwork,256,4,3,10,2,2,1,0.5,2,1,{Versions}\n", ResultFiles.PeerCsv([c]));
        Assert.Equal(2.5, PeerComparison.Median([4.0, 1.0, 2.0, 3.0]));
        Assert.Null(PeerComparison.FromRounds(WorkloadKind.SingleNetwork, 256, 4, 10, [], []));
        Assert.Throws<ArgumentException>(() => PeerComparison.FromRounds(WorkloadKind.SingleNetwork, 256, 4, 10, [1.0], []));
    }

    [Fact]
    public void PeerTargetsTakeTheMedianRatioAtEveryShape()
    {
        var run = new PeerRun(
        [
            Compare(WorkloadKind.SingleNetwork, 256, [2.0], [2.5]), Compare(WorkloadKind.SingleNetwork, 1024, [25.0], [20.0]),
            Compare(WorkloadKind.BatchEnsemble, 256, [3.0], [4.0]), Compare(WorkloadKind.BatchEnsemble, 1024, [30.0], [32.0]),
        ], "", 1);
        IReadOnlyList<TargetRow> targets = Targets.EvaluatePeer(run);

        TargetRow Row(string target, string point) => targets.Single(t => t.Target == target && t.Point == point);
        Assert.All(targets, t => Assert.Equal(Targets.PeerSource, t.Source));
        // Single network: 2.0/2.5 met, 25/20 not: the worst is 1.25, not met.
        Assert.Equal(0.8, Row(Targets.PeerSingle, "training width=256 M=4").Measured, 12);
        Assert.Equal(1.25, Row(Targets.PeerSingle, "all").Measured, 12);
        Assert.False(Row(Targets.PeerSingle, "all").Met);
        Assert.Equal(3, targets.Count(t => t.Target == Targets.PeerSingle));
        // BatchEnsemble: 3/4 and 30/32, both met.
        Assert.Equal(30.0 / 32, Row(Targets.PeerBatchEnsemble, "all").Measured, 12);
        Assert.True(Row(Targets.PeerBatchEnsemble, "all").Met);
    }

    [Fact]
    public void WithoutTorchThePeerIsSkippedAndTheTargetsSaySo()
    {
        var log = new List<string>();
        PeerRun run = TorchPeer.Run("/nonexistent/python3", [8], [2], threads: 1, rounds: 1, log.Add);
        Assert.False(run.Ran);
        Assert.False(run.Failed);
        Assert.Equal(TorchPeer.NotInstalled, run.Note);
        Assert.Contains(TorchPeer.NotInstalled, Assert.Single(log), StringComparison.Ordinal);

        IReadOnlyList<TargetRow> targets = Targets.EvaluatePeer(run);
        Assert.Equal([Targets.PeerSingle, Targets.PeerBatchEnsemble], targets.Select(t => t.Target));
        Assert.All(targets, t =>
        {
            Assert.Equal("all", t.Point);
            Assert.False(t.Met);
            Assert.Equal("skipped: python3-torch not installed", t.Note);
        });
        Assert.Contains(",false,interleaved_median_of_round_ratios,all,1,<=,skipped: python3-torch not installed\n", ResultFiles.TargetsCsv(targets), StringComparison.Ordinal);
        Assert.Contains("| NaN | skipped: python3-torch not installed |", ResultFiles.TargetsMarkdown(targets, "prov"), StringComparison.Ordinal);
    }

    [Fact]
    public void APeerThatStartsButBreaksTheProtocolFailsTheRunWithItsExitCode()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // a shell script stands in for the interpreter
        }
        // An "interpreter" that imports torch (exit 0 for -c) but as the server prints no header and exits 3.
        string fake = Path.Combine(Path.GetTempPath(), $"fake-python-{Guid.NewGuid():N}.sh");
        File.WriteAllText(fake, "#!/bin/sh\n[ \"$1\" = \"-c\" ] && exit 0\necho nonsense\necho 'it broke' >&2\nexit 3\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            PeerRun run = TorchPeer.Run(fake, [8], [2], threads: 1, rounds: 1, _ => { });
            Assert.True(run.Failed);
            Assert.Equal("failed: peer exited 3: it broke", run.Note);
            Assert.Empty(run.Comparisons);
        }
        finally
        {
            File.Delete(fake);
        }
    }

    [Fact]
    public void WithPython3TorchOneTinyInterleavedRunComparesBothWorkloads()
    {
        var log = new List<string>();
        PeerRun run = TorchPeer.Run(TorchPeer.DebianPython, [8], [2], threads: 1, rounds: 3, log.Add);
        if (!File.Exists(TorchPeer.DebianPython) || run.Note == TorchPeer.NotInstalled)
        {
            Assert.Equal(TorchPeer.NotInstalled, run.Note); // no torch here: the skip path, not a failure
            return;
        }
        Assert.True(run.Ran, run.Note);
        Assert.Equal([WorkloadKind.SingleNetwork, WorkloadKind.BatchEnsemble], run.Comparisons.Select(c => c.Kind));
        Assert.All(run.Comparisons, c =>
        {
            Assert.Equal((8, 2, 3, 1), (c.Width, c.Members, c.Rounds, c.Peer.Threads));
            Assert.True(c.StepsPerRound >= 1);
            Assert.True(c.ProjectMedianMs > 0 && c.PeerMedianMs > 0);
            Assert.InRange(c.RatioMedian, c.RatioMin, c.RatioMax);
            Assert.NotEmpty(c.Peer.Torch);
        });
    }
}
