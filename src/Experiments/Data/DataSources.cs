namespace EEArtifacts.Experiments.Data;

/// <summary>Where a run's real data sets are: the data root, downloads, the canonical table and the user's own folders.</summary>
/// <param name="Root">The data root (--data): one folder per data set, DIR/&lt;name&gt;/.</param>
/// <param name="AllowDownload">Whether missing canonical files may be downloaded.</param>
/// <param name="Catalog">The canonical checksum table (tests inject their own).</param>
/// <param name="Folders">Data sets the user named (--data-set name=DIR): each a folder with a manifest; they win over every other source.</param>
public sealed record DataSources(string Root, bool AllowDownload, DatasetCatalog Catalog, IReadOnlyDictionary<string, string> Folders);

/// <summary>What a run records of one data set: its name, source and checksums.</summary>
/// <param name="Name">The task name.</param>
/// <param name="Source">Where it came from: "canonical" files, or the manifest's source text.</param>
/// <param name="Folder">The folder it was read from (the embedded subset: its path relative to the program).</param>
/// <param name="Files">file name to SHA-256.</param>
/// <param name="ContentSha256">file name to the SHA-256 of its decompressed content (manifest data sets).</param>
public sealed record DatasetRecord(string Name, string Source, string Folder, IReadOnlyDictionary<string, string> Files, IReadOnlyDictionary<string, string> ContentSha256);
