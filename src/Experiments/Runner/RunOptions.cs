using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Runtime;

namespace EEArtifacts.Experiments.Runner;

/// <summary>Everything a run needs, as given on the command line.</summary>
/// <param name="Profile">quick or paper.</param>
/// <param name="Device">auto, cpu or cuda.</param>
/// <param name="Threads">CPU threads of the process computing cells (each worker's with <see cref="Jobs"/> &gt; 1; recorded in provenance).</param>
/// <param name="Shard">Which part of every grid to run.</param>
/// <param name="Only">Experiment names to run; empty means all.</param>
/// <param name="OutRoot">The results root; results go to OutRoot/&lt;profile&gt;/&lt;experiment&gt;.</param>
/// <param name="DataFolder">Where real data sets live.</param>
/// <param name="AllowDownload">Whether missing data sets may be downloaded.</param>
public sealed record RunOptions(
    Profile Profile,
    DeviceChoice Device,
    int Threads,
    ShardSpec Shard,
    IReadOnlyList<string> Only,
    string OutRoot,
    string DataFolder,
    bool AllowDownload)
{
    /// <summary>The data set table (files and checksums): the canonical one; tests point it at their own small files.</summary>
    public DatasetCatalog Datasets { get; init; } = DatasetCatalog.Canonical;

    /// <summary>Data sets the user named with --data-set name=DIR: task name to a folder with a manifest.</summary>
    public IReadOnlyDictionary<string, string> DataSetFolders { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the run's real data sets are.</summary>
    public DataSources Sources => new(DataFolder, AllowDownload, Datasets, DataSetFolders);

    /// <summary>Cells computed at once: 1 in this process, more in as many worker processes of <see cref="Threads"/> threads each.</summary>
    public int Jobs { get; init; } = 1;
}

/// <summary>Bad input from the user: reported as one line with exit code 2, before any work starts.</summary>
public sealed class UsageException(string message) : Exception(message);
