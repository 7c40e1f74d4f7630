using EEArtifacts.Benchmarks.Analysis;
using EEArtifacts.Benchmarks.Output;
using EEArtifacts.Benchmarks.Peer;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Tests.Peer;

/// The PyTorch peer: its output parsed, its targets evaluated, its skip path, and (with python3-torch) one tiny real run.
public class TorchPeerTests
{
    private const string Versions = "1.13.0a0,OpenBLAS 0.3.21 DYNAMIC_ARCH Zen MAX_THREADS=64,3.11.2";

    private static readonly string CannedOutput =
        ResultFiles.PeerHeader + "\n" +
        $"SingleNetwork,256,4,2.5,200,1,{Versions}\n" +
        $"BatchEnsemble,256,4,4.0,200,1,{Versions}\n" +
        $"SingleNetwork,1024,4,20.0,30,1,{Versions}\n" +
        $"BatchEnsemble,1024,4,32.0,30,1,{Versions}\n";

    private static StepTiming T(WorkloadKind kind, int width, double ms) => StepTiming.Exact(SuiteNames.TrainingStep, kind, width, 4, 64, ms * 1e6);

    [Fact]
    public void PeerOutputParsesToTimingsAndRendersBackToTheSameCsv()
    {
        IReadOnlyList<PeerTiming> timings = TorchPeer.Parse(CannedOutput);
        Assert.Equal(4, timings.Count);
        Assert.Equal(new PeerTiming(WorkloadKind.BatchEnsemble, 256, 4, 4.0, 200, 1, "1.13.0a0", "OpenBLAS 0.3.21 DYNAMIC_ARCH Zen MAX_THREADS=64", "3.11.2"), timings[1]);
        // Round-trip doubles: 4.0 is written 4.
        Assert.Equal(CannedOutput.Replace(".0,", ",", StringComparison.Ordinal), ResultFiles.PeerCsv(timings));
    }

    [Theory]
    [InlineData("kind,width,members,median_ms\nSingleNetwork,256,4,2.5\n")] // another header
    [InlineData("")]
    public void OutputWithoutThePeerHeaderIsRejected(string text) =>
        Assert.StartsWith("peer output does not start with the header", Assert.Throws<FormatException>(() => TorchPeer.Parse(text)).Message);

    [Theory]
    [InlineData("McDropout,256,4,2.5,200,1," + Versions)] // not a peer workload
    [InlineData("SingleNetwork,256,4,-1,200,1," + Versions)] // not a time
    [InlineData("SingleNetwork,256,4,2.5,200," + Versions)] // a column short
    public void ABadRowIsRejected(string row) =>
        Assert.StartsWith("bad peer row", Assert.Throws<FormatException>(() => TorchPeer.Parse(ResultFiles.PeerHeader + "\n" + row + "\n")).Message);

    [Fact]
    public void PeerTargetsCompareTheSuiteMedianWithThePeerAtEveryShape()
    {
        var run = new PeerRun(TorchPeer.Parse(CannedOutput), "", 1);
        IReadOnlyList<RooflineRow> roofline = Roofline.Compute(
            [T(WorkloadKind.SingleNetwork, 256, 2.0), T(WorkloadKind.BatchEnsemble, 256, 3.0), T(WorkloadKind.SingleNetwork, 1024, 25.0), T(WorkloadKind.BatchEnsemble, 1024, 30.0),
             StepTiming.Exact(SuiteNames.Inference, WorkloadKind.SingleNetwork, 256, 4, 64, 1e6)], []);
        IReadOnlyList<TargetRow> targets = Targets.EvaluatePeer(roofline, run);

        TargetRow Row(string target, string point) => targets.Single(t => t.Target == target && t.Point == point);
        Assert.All(targets, t => Assert.Equal(Targets.PeerSource, t.Source));
        // Single network: 2.0/2.5 met, 25/20 not: the worst is 1.25, not met. The inference row is not compared.
        Assert.Equal(0.8, Row(Targets.PeerSingle, "training width=256 M=4").Measured, 12);
        Assert.Equal(1.25, Row(Targets.PeerSingle, "all").Measured, 12);
        Assert.False(Row(Targets.PeerSingle, "all").Met);
        Assert.Equal(3, targets.Count(t => t.Target == Targets.PeerSingle));
        // BatchEnsemble: 3/4 and 30/32, both met.
        Assert.Equal(30.0 / 32, Row(Targets.PeerBatchEnsemble, "all").Measured, 12);
        Assert.True(Row(Targets.PeerBatchEnsemble, "all").Met);
    }

    [Fact]
    public void AShapeThePeerDidNotMeasureIsNotMet()
    {
        var run = new PeerRun(TorchPeer.Parse(CannedOutput), "", 1);
        IReadOnlyList<TargetRow> targets = Targets.EvaluatePeer(Roofline.Compute([T(WorkloadKind.SingleNetwork, 64, 0.1)], []), run);
        Assert.True(double.IsNaN(targets.Single(t => t.Target == Targets.PeerSingle && t.Point == "training width=64 M=4").Measured));
        Assert.False(targets.Single(t => t.Target == Targets.PeerSingle && t.Point == "all").Met);
    }

    [Fact]
    public void WithoutTorchThePeerIsSkippedAndTheTargetsSaySo()
    {
        var log = new List<string>();
        PeerRun run = TorchPeer.Run("/nonexistent/python3", [8], [2], threads: 1, steps: 1, log.Add);
        Assert.False(run.Ran);
        Assert.False(run.Failed);
        Assert.Equal(TorchPeer.NotInstalled, run.Note);
        Assert.Contains(TorchPeer.NotInstalled, Assert.Single(log), StringComparison.Ordinal);

        IReadOnlyList<TargetRow> targets = Targets.EvaluatePeer(Roofline.Compute([T(WorkloadKind.SingleNetwork, 256, 2.0)], []), run);
        Assert.Equal([Targets.PeerSingle, Targets.PeerBatchEnsemble], targets.Select(t => t.Target));
        Assert.All(targets, t =>
        {
            Assert.Equal("all", t.Point);
            Assert.False(t.Met);
            Assert.Equal("skipped: python3-torch not installed", t.Note);
        });
        Assert.Contains(",false,benchmarkdotnet_median_vs_peer_median,all,1,<=,skipped: python3-torch not installed\n", ResultFiles.TargetsCsv(targets), StringComparison.Ordinal);
        Assert.Contains("| NaN | skipped: python3-torch not installed |", ResultFiles.TargetsMarkdown(targets, "prov"), StringComparison.Ordinal);
    }

    [Fact]
    public void WithPython3TorchOneTinyRealRunGivesBothWorkloads()
    {
        var log = new List<string>();
        PeerRun run = TorchPeer.Run(TorchPeer.DebianPython, [8], [2], threads: 1, steps: 2, log.Add);
        if (!File.Exists(TorchPeer.DebianPython) || run.Note == TorchPeer.NotInstalled)
        {
            Assert.Equal(TorchPeer.NotInstalled, run.Note); // no torch here: the skip path, not a failure
            return;
        }
        Assert.True(run.Ran, run.Note);
        Assert.Equal([WorkloadKind.SingleNetwork, WorkloadKind.BatchEnsemble], run.Timings.Select(t => t.Kind));
        Assert.All(run.Timings, t =>
        {
            Assert.Equal((8, 2, 2, 1), (t.Width, t.Members, t.Steps, t.Threads));
            Assert.True(t.MedianMs > 0);
            Assert.NotEmpty(t.Torch);
        });
    }
}
