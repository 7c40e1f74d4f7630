using System.Text.Json;
using System.Text.Json.Serialization;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Data;

/// <summary>One file of a manifest data set.</summary>
/// <param name="Role">What the file holds: train-images, train-labels, test-images, test-labels, or archive (CIFAR binary).</param>
/// <param name="File">The file's name in the folder.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file as stored (checked before every use).</param>
/// <param name="ContentSha256">SHA-256 of the decompressed IDX content (header and bytes), independent of the gzip
/// implementation; null for the CIFAR archive.</param>
public sealed record ManifestFile(string Role, string File, long Size, string Sha256, string? ContentSha256);

/// <summary>
/// A data set in a folder of its own, described by the folder's manifest.json: its name, where it came from, its
/// layout and sizes, and the SHA-256 of every file. <c>ee-experiments data manifest DIR</c> writes it for
/// user-supplied files; the npm conversion writes it for what it produces. Every load checks every file against it.
/// </summary>
/// <param name="Name">The data set's name (a task name).</param>
/// <param name="Format">The file layout: four gzip IDX files, or the CIFAR-10 binary archive.</param>
/// <param name="Source">Where the data came from, for provenance (free text).</param>
/// <param name="Classes">Number of classes (labels are 0 .. Classes - 1).</param>
/// <param name="ImageShape">One image: [C, H, W].</param>
/// <param name="TrainSize">Training examples.</param>
/// <param name="TestSize">Test examples.</param>
/// <param name="Files">The files, in the order the format expects.</param>
public sealed record DatasetManifest(
    string Name,
    DatasetFormat Format,
    string Source,
    int Classes,
    IReadOnlyList<long> ImageShape,
    int TrainSize,
    int TestSize,
    IReadOnlyList<ManifestFile> Files)
{
    /// <summary>The manifest's file name inside a data set folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The canonical file names of the IDX layout, in order (train images, train labels, test images, test labels).</summary>
    public static IReadOnlyList<string> IdxFileNames { get; } =
        new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };

    /// <summary>The file name of the CIFAR-10 binary layout.</summary>
    public const string CifarFileName = "cifar-10-binary.tar.gz";

    private static readonly string[] IdxRoles = { "train-images", "train-labels", "test-images", "test-labels" };

    /// <summary>What a data set folder must hold, for error messages.</summary>
    public static string ExpectedLayout =>
        $"either the four gzip IDX files {string.Join(", ", IdxFileNames)} (any sizes) or {CifarFileName}";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The manifest's path in a folder.</summary>
    public static string PathIn(string folder) => System.IO.Path.Combine(folder, FileName);

    /// <summary>Whether a folder holds a manifest.</summary>
    public static bool ExistsIn(string folder) => File.Exists(PathIn(folder));

    /// <summary>The manifest as JSON (deterministic: same manifest, same bytes).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Reads a folder's manifest; a missing or malformed one is a one-line <see cref="DatasetException"/>.</summary>
    public static DatasetManifest Read(string folder)
    {
        string path = PathIn(folder);
        if (!File.Exists(path))
        {
            throw new DatasetException(
                $"{folder} has no {FileName}: write one with `ee-experiments data manifest {folder}` (the folder must hold {ExpectedLayout})");
        }
        DatasetManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new DatasetException($"{path} is not a valid data set manifest: {e.Message}", e);
        }
        if (manifest is null || manifest.Files is null || manifest.ImageShape is null || manifest.Name is null)
        {
            throw new DatasetException($"{path} is not a valid data set manifest: a field is missing");
        }
        int expectedFiles = manifest.Format == DatasetFormat.IdxGzip ? IdxFileNames.Count : 1;
        if (manifest.Files.Count != expectedFiles || manifest.ImageShape.Count != 3 || manifest.Classes < 2
            || manifest.TrainSize < 1 || manifest.TestSize < 1
            || manifest.Files.Any(f => f.File is null || f.Sha256 is null || f.File != System.IO.Path.GetFileName(f.File)))
        {
            throw new DatasetException($"{path} is not a valid data set manifest: {manifest.Format} needs {expectedFiles} plain file names, a [C, H, W] image shape, 2 or more classes and non-empty splits");
        }
        return manifest;
    }

    /// <summary>
    /// Checks every file of the folder against its manifest (size, then SHA-256) and returns the manifest and the
    /// files' full paths in manifest order. A changed file is a one-line error that says what to do if the change
    /// was intended; nothing is deleted.
    /// </summary>
    public static (DatasetManifest Manifest, IReadOnlyList<string> Paths) Verify(string folder)
    {
        string dir = System.IO.Path.GetFullPath(folder);
        DatasetManifest manifest = Read(dir);
        var paths = new List<string>();
        var problems = new List<string>();
        foreach (ManifestFile file in manifest.Files)
        {
            string path = System.IO.Path.Combine(dir, file.File);
            paths.Add(path);
            if (!File.Exists(path))
            {
                problems.Add($"{file.File} is missing");
                continue;
            }
            DataFileCheck.Check(path, file.Size); // a FIFO, device or oversized file is refused before reading
            (string sha, long size) = DatasetStore.Sha256Of(path);
            if (size != file.Size || !string.Equals(sha, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{file.File} changed (sha256 {sha}, {size} bytes; the manifest has {file.Sha256}, {file.Size} bytes)");
            }
        }
        if (problems.Count > 0)
        {
            throw new DatasetException(
                $"data set '{manifest.Name}' in {dir} does not match its {FileName}: {string.Join("; ", problems)}; if the files are meant to change, write the manifest again with `ee-experiments data manifest {dir}`");
        }
        return (manifest, paths);
    }

    /// <summary>
    /// Describes the data set in <paramref name="folder"/>: finds its layout (<see cref="ExpectedLayout"/>), reads
    /// every file (so a corrupt file fails here, not in a run), and returns the manifest with sizes, classes and
    /// checksums. Writes nothing; see <see cref="WriteTo"/>.
    /// </summary>
    public static DatasetManifest Describe(string folder, string name, string source)
    {
        string dir = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(dir))
        {
            throw new DatasetException($"data set folder {dir} does not exist");
        }
        bool idx = IdxFileNames.All(f => File.Exists(System.IO.Path.Combine(dir, f)));
        bool cifar = File.Exists(System.IO.Path.Combine(dir, CifarFileName));
        if (idx == cifar)
        {
            string found = string.Join(", ", Directory.EnumerateFiles(dir).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).Take(8));
            throw new DatasetException(idx
                ? $"{dir} holds both layouts; it must hold {ExpectedLayout}, not both"
                : $"{dir} must hold {ExpectedLayout}; found {(found.Length > 0 ? found : "no files")}");
        }
        string[] names = idx ? IdxFileNames.ToArray() : new[] { CifarFileName };
        string[] paths = names.Select(f => System.IO.Path.Combine(dir, f)).ToArray();
        DatasetFormat format = idx ? DatasetFormat.IdxGzip : DatasetFormat.CifarBinaryTarGz;
        foreach (string path in paths)
        {
            DataFileCheck.Check(path, expectedSize: null);
        }
        using TaskData data = DatasetStore.Decode(name, format, paths, classes: null, trainSize: null, testSize: null, imageShape: null, flatten: false);
        string[] roles = idx ? IdxRoles : new[] { "archive" };
        var files = new List<ManifestFile>();
        for (int i = 0; i < paths.Length; i++)
        {
            (string sha, long size) = DatasetStore.Sha256Of(paths[i]);
            files.Add(new ManifestFile(roles[i], names[i], size, sha, idx ? IdxWriter.ContentSha256(paths[i]) : null));
        }
        return new DatasetManifest(name, format, source, data.Classes, data.InputShape.ToArray(), (int)data.TrainSize, (int)data.TestSize, files);
    }

    /// <summary>Writes this manifest into <paramref name="folder"/> (replacing an older manifest; the data files are untouched).</summary>
    public void WriteTo(string folder)
    {
        string path = PathIn(folder);
        try
        {
            AtomicFile.WriteAllText(path, ToJson());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"cannot write {path}: {e.Message}", e);
        }
    }
}
