using EEArtifacts.Experiments.Data;
using EmbeddedEnsembles.Runtime;
using TorchSharp;

namespace EEArtifacts.Experiments.Runner;

/// <summary>What a running cell gets from the runner: its seed, device, profile and data location.</summary>
/// <param name="Seed">The cell's seed (see <see cref="Seeds"/>).</param>
/// <param name="Profile">The profile being run.</param>
/// <param name="Runtime">The torch device and thread settings.</param>
/// <param name="DataFolder">Where real data sets live (paper profile).</param>
/// <param name="AllowDownload">Whether missing data sets may be downloaded.</param>
public sealed record CellContext(long Seed, Profile Profile, RuntimeInfo Runtime, string DataFolder, bool AllowDownload)
{
    /// <summary>The device every tensor of the cell goes to.</summary>
    public torch.Device Device => Runtime.Device;

    /// <summary>The data set table whose checksums the cell's data must match (see <see cref="RunOptions.Datasets"/>).</summary>
    public DatasetCatalog Datasets { get; init; } = DatasetCatalog.Canonical;

    /// <summary>Data sets the user named (see <see cref="RunOptions.DataSetFolders"/>).</summary>
    public IReadOnlyDictionary<string, string> DataSetFolders { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the cell's real data sets are.</summary>
    public DataSources Sources => new(DataFolder, AllowDownload, Datasets, DataSetFolders);

    /// <summary>A seed for one purpose of this cell ("init", "masks", "data", ...).</summary>
    public long SeedFor(string purpose) => Seeds.ForPurpose(Seed, purpose);
}
