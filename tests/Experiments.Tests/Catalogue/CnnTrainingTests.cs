using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;
using EEArtifacts.Experiments.Tests.Data;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Training;
using static EEArtifacts.Experiments.Tests.Data.DataTestFiles;
using EEArtifacts.Experiments.Tests.Support;

namespace EEArtifacts.Experiments.Tests.Catalogue;

/// <summary>The paper profile's CIFAR-10 CNN cells of E4 and E5, run through the runner on a tiny CIFAR-10 archive.</summary>
public sealed class CnnTrainingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();


    private static WidthSweep.Setup Cifar => WidthSweep.Setups(Profile.Paper).Single(s => s.Architecture == Architecture.Cnn);

    // The paper's CIFAR-10 configuration, shrunk: 4 first-stage channels, one epoch, batches of 4 of the 10 images.
    private static TrainConfig Tiny(EnsembleFamily family, ModulationLaw law, int members) =>
        WidthSweep.Config(Cifar, family, law, GammaRule.M, width: 4, members, epochs: 1) with { BatchSize = 4 };

    /// <summary>Runs one E4 and one E5 CNN cell into <paramref name="outRoot"/>; returns the results folder.</summary>
    private string RunCells(string outRoot)
    {
        string data = Path.Combine(_temp.Root, "data");
        string folder = Path.Combine(data, "cifar10");
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            WriteTarGz(Path.Combine(folder, CifarArchive), SmallCifarSet().Items);
        }
        var sweep = WidthSweep.Definition with
        {
            Grid = _ => [new WidthSweep.Cell("batch-ensemble", 0.25, Tiny(EnsembleFamily.BatchEnsemble, new SignLaw(1), 2), 0)],
            NeedsDatasets = _ => ["cifar10"],
        };
        var scatter = ParamScatter.Definition with
        {
            Grid = _ => [new ParamScatter.Cell("single", "single network", Tiny(EnsembleFamily.Independent, new ConstLaw(1), 1), 0)],
            NeedsDatasets = _ => ["cifar10"],
        };
        var options = new RunOptions(Profile.Paper, DeviceChoice.Cpu, 1, ShardSpec.Parse("1/1"), [], outRoot, data, false)
        {
            Datasets = CatalogFor(StandardDataset.Cifar10, folder, CifarArchive),
        };
        new ExperimentRunner([sweep, scatter], TaskSource.Check).Run(options, new SilentProgress());
        return Path.Combine(outRoot, "paper");
    }

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".timing.json", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    [Fact]
    public void CnnCellsTrainOnCifarAndWriteWellFormedRows()
    {
        string results = RunCells(Path.Combine(_temp.Root, "out"));

        string[] sweep = File.ReadAllLines(Directory.GetFiles(Path.Combine(results, "width-sweep", "cells"), "0000-*.rows.csv").Single());
        Assert.Equal("experiment,cell,repeat,seed,task,architecture,family,regime,width_mult,width,members,params,epochs,ens_test_acc,member_test_acc,member_train_acc,ens_test_nll,ens_test_ece,disagreement,correlation", sweep[0]);
        string[] fields = sweep[1].Split(',');
        Assert.Equal(["width-sweep", "0", "0"], fields[..3]);
        Assert.Equal(["cifar10", "cnn", "batch-ensemble", "independent", "0.25", "4", "2"], fields[4..11]);
        Assert.True(long.Parse(fields[11]) > 0);
        Assert.Equal("1", fields[12]); // one epoch: the configuration's budget
        Assert.All(fields[13..16].Concat(fields[17..19]), f => Assert.InRange(double.Parse(f, System.Globalization.CultureInfo.InvariantCulture), 0, 1));
        Assert.True(double.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture) > 0); // NLL

        string[] scatter = File.ReadAllLines(Directory.GetFiles(Path.Combine(results, "param-scatter", "cells"), "0000-*.rows.csv").Single());
        Assert.StartsWith("param-scatter,0,0,", scatter[1], StringComparison.Ordinal);
        Assert.Contains(",cifar10,cnn,single,none,single network,4,1,", scatter[1], StringComparison.Ordinal);
        string record = File.ReadAllText(Directory.GetFiles(Path.Combine(results, "width-sweep", "cells"), "0000-*.json").Single(f => !f.EndsWith(".timing.json", StringComparison.Ordinal)));
        Assert.Contains("\"status\": \"ok\"", record);
        Assert.Contains("\"architecture\": \"cnn\"", record);
    }

    [Fact]
    public void TwoRunsAreByteIdentical()
    {
        var first = Snapshot(RunCells(Path.Combine(_temp.Root, "a")));
        var second = Snapshot(RunCells(Path.Combine(_temp.Root, "b")));

        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        Assert.All(first, kv => Assert.Equal(kv.Value, second[kv.Key]));
    }

    [Fact]
    public void PaperProfileTrainsMlpsOnFashionMnistAndTheCnnOnCifar10()
    {
        foreach (IExperiment experiment in new IExperiment[] { WidthSweep.Definition, ParamScatter.Definition })
        {
            Assert.Equal(["fashion-mnist", "cifar10"], experiment.Datasets(Profile.Paper));
            var configs = experiment.Plan(Profile.Paper).Select(c => c.ConfigJson).ToList(); // Plan validates every cell
            Assert.Contains(configs, c => c.Contains("\"architecture\": \"cnn\"") && c.Contains("\"task\": \"cifar10\""));
            Assert.Contains(configs, c => c.Contains("\"architecture\": \"mlp\"") && c.Contains("\"task\": \"fashion-mnist\""));
            Assert.DoesNotContain(configs, c => c.Contains("\"architecture\": \"cnn\"") && !c.Contains("\"task\": \"cifar10\""));
            Assert.Equal([TaskSource.QuickImageTask], experiment.Datasets(Profile.Quick));
            Assert.Empty(experiment.Datasets(Profile.Smoke));
            foreach (Profile small in new[] { Profile.Quick, Profile.Smoke })
            {
                Assert.All(experiment.Plan(small), c => Assert.Contains("\"architecture\": \"mlp\"", c.ConfigJson));
            }
        }
    }

    [Theory]
    [InlineData("synthetic", 2, "the cnn architecture needs an image data set (mnist, fashion-mnist, cifar10), got task 'synthetic'")]
    [InlineData("imagenet", 2, "unknown task 'imagenet': use synthetic or one of mnist, fashion-mnist, cifar10, fashion-mnist-subset")]
    [InlineData("cifar10", 0, "convolutions per stage must be >= 1, got 0")]
    public void BadCnnConfigurationsFailWithOneClearMessage(string task, int depth, string message)
    {
        TrainConfig config = Tiny(EnsembleFamily.BatchEnsemble, new SignLaw(1), 2) with
        {
            Task = task,
            Depth = depth,
            Synthetic = task == "synthetic" ? TaskSource.QuickClassification : null,
        };

        var e = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Equal(message, e.Message);
    }
}
