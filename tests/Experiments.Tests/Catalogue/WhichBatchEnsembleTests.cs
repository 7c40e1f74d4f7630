using System.Globalization;
using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Runner;
using EEArtifacts.Experiments.Tests.Data;
using EmbeddedEnsembles.Configurations;
using EmbeddedEnsembles.Runtime;
using EEArtifacts.Experiments.Tests.Support;

namespace EEArtifacts.Experiments.Tests.Catalogue;

/// <summary>E8 which-batchensemble: its grids, and one smoke cell through the runner.</summary>
public sealed class WhichBatchEnsembleTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();


    private string RunFirstSmokeCell(string outRoot)
    {
        var one = WhichBatchEnsemble.Definition with { Grid = p => WhichBatchEnsemble.Definition.Grid(p).Take(1).ToList() };
        var options = new RunOptions(Profile.Smoke, DeviceChoice.Cpu, 1, ShardSpec.Parse("1/1"), [], outRoot, _temp.Root, false);
        new ExperimentRunner([one], TaskSource.Check).Run(options, new SilentProgress());
        return Path.Combine(outRoot, "smoke", "which-batchensemble");
    }

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".timing.json", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    [Fact]
    public void ASmokeCellWritesOneRowOfEveryColumnAndRepeatsByteForByte()
    {
        string a = RunFirstSmokeCell(Path.Combine(_temp.Root, "a"));
        string b = RunFirstSmokeCell(Path.Combine(_temp.Root, "b"));

        string[] lines = File.ReadAllLines(Directory.GetFiles(Path.Combine(a, "cells"), "0000-*.rows.csv").Single());
        Assert.Equal("experiment,cell,repeat,seed," + string.Join(",", WhichBatchEnsemble.Columns), lines[0]);
        Assert.Equal(2, lines.Length);
        var row = WhichBatchEnsemble.Columns.Zip(lines[1].Split(',')[4..]).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(("common", "standard", "4"), (row["configuration"], row["parameterization"], row["members"]));
        double D(string column) => double.Parse(row[column], CultureInfo.InvariantCulture);
        Assert.True(double.IsNaN(D("ntk_cross_ratio")), "no analytic NTK for the standard parameterization");
        Assert.InRange(D("nngp_cross_ratio"), 0.05, 1); // U1 = 1: correlated members at initialization
        foreach (string column in WhichBatchEnsemble.Columns.Where(c => c.StartsWith("auroc_", StringComparison.Ordinal) || c.EndsWith("_acc", StringComparison.Ordinal)))
        {
            Assert.InRange(D(column), 0, 1);
        }
        Assert.Equal(D("member_nll") - D("ens_nll"), D("ensemble_gain"), 12);

        var first = Snapshot(a);
        var second = Snapshot(b);
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        Assert.All(first, kv => Assert.Equal(kv.Value, second[kv.Key]));
    }

    [Fact]
    public void EveryProfileTrainsEveryConfigurationOnRealImages()
    {
        foreach (Profile profile in Enum.GetValues<Profile>())
        {
            var cells = WhichBatchEnsemble.Definition.Plan(profile); // Plan validates every cell
            Assert.All(EnsembleConfigurations.All, c => Assert.Contains(cells, cell => cell.ConfigJson.Contains($"\"configuration\": \"{c.Name}\"")));
        }
        Assert.Equal(["fashion-mnist"], WhichBatchEnsemble.Definition.Datasets(Profile.Paper));
        Assert.Equal([TaskSource.QuickImageTask], WhichBatchEnsemble.Definition.Datasets(Profile.Quick));
        Assert.Equal([TaskSource.QuickImageTask], WhichBatchEnsemble.Definition.Datasets(Profile.Smoke));
    }

    [Fact]
    public void ACellWhoseConfigurationChangedIsRefused()
    {
        var cell = WhichBatchEnsemble.Definition.Grid(Profile.Smoke)[0] with { Description = "family=batchensemble" };

        var e = Assert.Throws<ArgumentException>(cell.Validate);
        Assert.StartsWith("configuration 'common' is now 'family=batchensemble u=gauss(1,0.5)", e.Message, StringComparison.Ordinal);
    }
}
