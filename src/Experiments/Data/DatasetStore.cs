using System.Net;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace EEArtifacts.Experiments.Data;

/// <summary>What the store is doing, for progress displays.</summary>
public enum DatasetStage
{
    /// <summary>Computing a file's SHA-256.</summary>
    Verifying,
    /// <summary>Downloading a file (to its .part file).</summary>
    Downloading,
    /// <summary>Decoding a verified file into tensors.</summary>
    Reading,
}

/// <summary>Progress of one file: <paramref name="Done"/> of <paramref name="Total"/> bytes (Total null when unknown).</summary>
public sealed record DatasetProgress(StandardDataset Dataset, string File, DatasetStage Stage, long Done, long? Total);

/// <summary>Options of <see cref="DatasetStore.Load"/> beyond the common ones.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>Flatten images to [n, C*H*W] (for MLPs) instead of [n, C, H, W].</summary>
    public bool Flatten { get; init; }

    /// <summary>The checksum table and file list; the canonical one unless a test injects its own.</summary>
    public DatasetCatalog Catalog { get; init; } = DatasetCatalog.Canonical;

    /// <summary>The HTTP handler used for downloads (null: the default handler). Tests inject a fake one.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Timeout of one download request (headers and body).</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Cancels downloads and verification between chunks.</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>
/// Finds, downloads (on request), verifies and reads the standard data sets. A data set lives in one folder (named by
/// the user, or <see cref="DefaultFolder"/>) holding its canonical compressed files under their canonical names.
/// Every file's SHA-256 is checked against the catalog before it is read, on every load. Downloads go to
/// "&lt;file&gt;.part" and are renamed only once their checksum is right, so a partial download is never taken for a
/// complete file, and a .part file is never read. Every failure is a one-line <see cref="DatasetException"/>;
/// nothing is printed.
/// </summary>
public static class DatasetStore
{
    /// <summary>Suffix of a download in progress.</summary>
    public const string PartSuffix = ".part";

    private const int HashBufferSize = 1 << 20;

    /// <summary>The cache root: $XDG_CACHE_HOME/eeartifacts/datasets, else ~/.cache/eeartifacts/datasets.</summary>
    public static string DefaultRoot
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string cache = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "eeartifacts", "datasets");
        }
    }

    /// <summary>The default folder of one data set: <see cref="DefaultRoot"/>/&lt;name&gt;.</summary>
    public static string DefaultFolder(StandardDataset which) => Path.Combine(DefaultRoot, DatasetCatalog.NameOf(which));

    /// <summary>
    /// Loads a data set as a <see cref="TaskData"/> (images float32 in [0, 1], labels int64, 10 classes).
    /// </summary>
    /// <param name="which">The data set.</param>
    /// <param name="folder">The folder holding its files; null for <see cref="DefaultFolder"/>.</param>
    /// <param name="allowDownload">Whether missing files may be downloaded into the folder.</param>
    /// <param name="progress">Optional progress reports.</param>
    /// <param name="options">Flattening, an injected checksum table, HTTP handler, cancellation.</param>
    public static TaskData Load(
        StandardDataset which,
        string? folder,
        bool allowDownload,
        IProgress<DatasetProgress>? progress = null,
        DatasetLoadOptions? options = null)
    {
        options ??= new DatasetLoadOptions();
        DatasetDescription description = options.Catalog[which];
        IReadOnlyList<string> paths = Prepare(which, folder, allowDownload, progress, options);
        foreach (string path in paths)
        {
            progress?.Report(new DatasetProgress(which, Path.GetFileName(path), DatasetStage.Reading, 0, null));
        }
        return Decode(description.Name, description.Format, paths, description.Classes, description.TrainSize, description.TestSize,
            description.ImageShape, options.Flatten);
    }

    /// <summary>
    /// Reads verified files of a data set into a <see cref="TaskData"/>: images float32 in [0, 1], labels int64.
    /// The one reader behind the canonical data sets and the manifest ones.
    /// </summary>
    /// <param name="name">The task's name.</param>
    /// <param name="format">The layout; <paramref name="paths"/> are in the order it expects.</param>
    /// <param name="paths">The files.</param>
    /// <param name="classes">The number of classes; null infers it from the labels (largest label + 1, at least 2).</param>
    /// <param name="trainSize">Expected training examples, or null for any.</param>
    /// <param name="testSize">Expected test examples, or null for any.</param>
    /// <param name="imageShape">Expected [C, H, W], or null for what the files hold.</param>
    /// <param name="flatten">Flatten images to [n, C*H*W].</param>
    public static TaskData Decode(string name, DatasetFormat format, IReadOnlyList<string> paths, int? classes, int? trainSize, int? testSize,
        IReadOnlyList<long>? imageShape, bool flatten)
    {
        (Tensor trainX, Tensor trainY, Tensor testX, Tensor testY) = format switch
        {
            DatasetFormat.IdxGzip => ReadIdx(name, paths, imageShape, classes ?? byte.MaxValue + 1, trainSize, testSize),
            DatasetFormat.CifarBinaryTarGz => CifarReader.Read(paths[0], trainSize, testSize),
            _ => throw new DatasetException($"{name}: unknown format {format}"),
        };
        try
        {
            int found = classes ?? Math.Max(2, (int)Math.Max(LargestLabel(trainY), LargestLabel(testY)) + 1);
            IReadOnlyList<long> shape = trainX.shape.Skip(1).ToArray();
            if (imageShape is not null && !shape.SequenceEqual(imageShape))
            {
                throw new DatasetException($"{name}: images are [{string.Join(", ", shape)}], expected [{string.Join(", ", imageShape)}]");
            }
            if (flatten)
            {
                trainX = FlattenOwned(trainX);
                testX = FlattenOwned(testX);
                shape = new[] { shape.Aggregate(1L, (a, b) => a * b) };
            }
            return new TaskData(name, trainX, trainY, testX, testY, found, shape);
        }
        catch
        {
            trainX.Dispose();
            trainY.Dispose();
            testX.Dispose();
            testY.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes sure every file of the data set is in the folder and verified: downloads missing ones when allowed,
    /// then checks every SHA-256. Returns the full paths of the verified files, in catalog order.
    /// </summary>
    public static IReadOnlyList<string> Prepare(
        StandardDataset which,
        string? folder,
        bool allowDownload,
        IProgress<DatasetProgress>? progress = null,
        DatasetLoadOptions? options = null)
    {
        options ??= new DatasetLoadOptions();
        DatasetDescription description = options.Catalog[which];
        string dir = Path.GetFullPath(folder ?? DefaultFolder(which));
        string[] paths = description.Files.Select(f => Path.Combine(dir, f.FileName)).ToArray();
        DatasetFile[] missing = description.Files.Where((f, i) => !File.Exists(paths[i])).ToArray();
        var downloaded = new HashSet<string>(StringComparer.Ordinal);
        if (missing.Length > 0)
        {
            if (!allowDownload || missing.Any(f => f.Urls.Count == 0))
            {
                throw new DatasetException(MissingMessage(description, dir, missing, allowDownload));
            }
            try
            {
                Directory.CreateDirectory(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DatasetException($"cannot create the data folder {dir}: {e.Message}", e);
            }
            using var http = CreateClient(options);
            foreach (DatasetFile file in missing)
            {
                Download(http, which, file, Path.Combine(dir, file.FileName), progress, options.Cancellation);
                downloaded.Add(file.FileName);
            }
        }
        var mismatches = new List<string>();
        for (int i = 0; i < paths.Length; i++)
        {
            DatasetFile file = description.Files[i];
            if (downloaded.Contains(file.FileName))
            {
                continue; // verified while it was written
            }
            DataFileCheck.Check(paths[i], file.Size);
            (string actual, long size) = Sha256Of(paths[i], p => progress?.Report(new DatasetProgress(which, file.FileName, DatasetStage.Verifying, p.Done, p.Total)), options.Cancellation);
            if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                string sizeNote = file.Size is long expectedSize && expectedSize != size ? $", {size} bytes instead of {expectedSize}" : "";
                mismatches.Add($"{file.FileName} (sha256 {actual}, pinned {file.Sha256.ToLowerInvariant()}{sizeNote})");
            }
        }
        if (mismatches.Count > 0)
        {
            throw new DatasetException(
                $"{dir} does not hold the canonical {description.Name} files: {string.Join("; ", mismatches)}; " +
                $"to use these files as they are, describe them with `ee-experiments data manifest {dir}` and run with --data-set {description.Name}={dir}");
        }
        return paths;
    }

    /// <summary>The lower-case hex SHA-256 and length of a file.</summary>
    public static (string Sha256, long Size) Sha256Of(string path, Action<(long Done, long Total)>? progress = null, CancellationToken cancellation = default)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, HashBufferSize);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[HashBufferSize];
            long total = stream.Length;
            long done = 0;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
                done += read;
                progress?.Invoke((done, total));
            }
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), done);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"cannot read {path}: {e.Message}", e);
        }
    }

    private static string MissingMessage(DatasetDescription d, string dir, DatasetFile[] missing, bool allowDownload)
    {
        string expected = string.Join(", ", d.Files.Select(f => f.FileName));
        string[] parts = missing.Select(f => f.FileName + PartSuffix).Where(p => File.Exists(Path.Combine(dir, p))).ToArray();
        string partNote = parts.Length > 0 ? $" (incomplete download {string.Join(", ", parts)} ignored)" : "";
        string sources = string.Join(" or ", d.Files.SelectMany(f => f.Urls).Select(u => new Uri(u, ".").ToString()).Distinct());
        string from = sources.Length > 0 ? $" (from {sources})" : "";
        string how = allowDownload
            ? "no download source is known for them"
            : "downloading is off: allow downloading, or place them yourself";
        return $"{d.Name} data missing: {string.Join(", ", missing.Select(f => f.FileName))} not found in {dir}{partNote}; " +
               $"{how}: the folder must hold {expected}{from}";
    }

    private static HttpClient CreateClient(DatasetLoadOptions options)
    {
        HttpClient http = options.HttpHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient();
        http.Timeout = options.DownloadTimeout;
        http.DefaultRequestHeaders.UserAgent.ParseAdd("EEArtifacts/1.0");
        return http;
    }

    private static void Download(HttpClient http, StandardDataset which, DatasetFile file, string destination, IProgress<DatasetProgress>? progress, CancellationToken cancellation)
    {
        string part = destination + PartSuffix;
        var failures = new List<string>();
        foreach (Uri url in file.Urls)
        {
            try
            {
                string? problem = DownloadOnce(http, which, file, url, part, progress, cancellation);
                if (problem is null)
                {
                    File.Move(part, destination, overwrite: true);
                    return;
                }
                failures.Add($"{url}: {problem}");
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException
                                      && !cancellation.IsCancellationRequested)
            {
                failures.Add($"{url}: {e.GetBaseException().Message}");
            }
            TryDelete(part);
        }
        throw new DatasetException(
            $"could not download {file.FileName} into {Path.GetDirectoryName(destination)} ({string.Join("; ", failures)}); place the file there yourself or check the network");
    }

    /// <summary>One attempt; returns null on success (the .part file is complete and verified), or why it failed.</summary>
    private static string? DownloadOnce(HttpClient http, StandardDataset which, DatasetFile file, Uri url, string part, IProgress<DatasetProgress>? progress, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using HttpResponseMessage response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        long? total = response.Content.Headers.ContentLength ?? file.Size;
        if (file.Size is long expected && response.Content.Headers.ContentLength is long announced && announced != expected)
        {
            return $"the server announced {announced} bytes, expected {expected}";
        }
        using Stream body = response.Content.ReadAsStream(cancellation);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long done = 0;
        using (var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = body.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                done += read;
                if (file.Size is long limit && done > limit)
                {
                    return $"the server sent more than the expected {limit} bytes";
                }
                output.Write(buffer, 0, read);
                hash.AppendData(buffer, 0, read);
                progress?.Report(new DatasetProgress(which, file.FileName, DatasetStage.Downloading, done, total));
            }
            output.Flush(flushToDisk: true);
        }
        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return $"downloaded {done} bytes with sha256 {actual}, expected {file.Sha256.ToLowerInvariant()}";
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A stale .part file is harmless: it is never read, and the next download overwrites it.
        }
    }

    private static (Tensor, Tensor, Tensor, Tensor) ReadIdx(string name, IReadOnlyList<string> paths, IReadOnlyList<long>? shape, int classes, int? trainSize, int? testSize)
    {
        int? rows = shape is null ? null : (int)shape[1];
        int? cols = shape is null ? null : (int)shape[2];
        var tensors = new List<Tensor>();
        try
        {
            tensors.Add(IdxReader.ReadImages(paths[0], rows, cols, trainSize));
            tensors.Add(IdxReader.ReadLabels(paths[1], classes, trainSize));
            tensors.Add(IdxReader.ReadImages(paths[2], rows, cols, testSize));
            tensors.Add(IdxReader.ReadLabels(paths[3], classes, testSize));
            CheckPair(name, paths[0], paths[1], tensors[0], tensors[1]);
            CheckPair(name, paths[2], paths[3], tensors[2], tensors[3]);
            if (!tensors[0].shape.Skip(1).SequenceEqual(tensors[2].shape.Skip(1)))
            {
                throw new DatasetException($"{name}: train images are {tensors[0].shape[2]}x{tensors[0].shape[3]} but test images are {tensors[2].shape[2]}x{tensors[2].shape[3]}");
            }
            return (tensors[0], tensors[1], tensors[2], tensors[3]);
        }
        catch
        {
            tensors.ForEach(t => t.Dispose());
            throw;
        }
    }

    private static void CheckPair(string name, string imagesPath, string labelsPath, Tensor images, Tensor labels)
    {
        if (images.shape[0] != labels.shape[0])
        {
            throw new DatasetException(
                $"{name}: {Path.GetFileName(imagesPath)} holds {images.shape[0]} images but {Path.GetFileName(labelsPath)} holds {labels.shape[0]} labels");
        }
    }

    private static long LargestLabel(Tensor labels)
    {
        using Tensor largest = labels.max();
        return largest.item<long>();
    }

    private static Tensor FlattenOwned(Tensor x)
    {
        Tensor flat = x.reshape(x.shape[0], -1);
        x.Dispose();
        return flat;
    }
}
