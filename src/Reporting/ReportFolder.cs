using System.Text;
using EEArtifacts.Reporting.Results;

namespace EEArtifacts.Reporting;

/// <summary>
/// The output folder of ee-report and the one rule for writing it: the report replaces or deletes only files it
/// wrote itself. Every run lists its files in <see cref="ManifestName"/>; a later run into the same folder replaces
/// the files listed there, deletes the listed ones it no longer writes, and leaves every other file alone. A file in
/// the way that no manifest lists, or an output folder equal to, above or inside the results folder, stops the run
/// with one line before anything is written.
/// </summary>
public sealed class ReportFolder
{
    /// <summary>The manifest: the relative paths of the files the last run wrote, one per line after a header.</summary>
    public const string ManifestName = "ee-report.files";

    /// <summary>The manifest's first line: a manifest without it is not the report's own.</summary>
    public const string ManifestHeader = "# ee-report wrote the files below; a later ee-report into this folder replaces or deletes only these";

    private readonly string _display;
    private readonly IReadOnlySet<string> _previous;

    private ReportFolder(string path, string display, bool exists, IReadOnlySet<string> previous)
    {
        FullPath = path;
        _display = display;
        Exists = exists;
        _previous = previous;
    }

    /// <summary>The folder's absolute path.</summary>
    public string FullPath { get; }

    /// <summary>Whether the folder existed before this run (files are then merged in, not the folder moved).</summary>
    public bool Exists { get; }

    /// <summary>Checks the output folder against the results folder and reads its manifest; nothing is written.</summary>
    public static ReportFolder Open(string outDir, string resultsDir)
    {
        string full = Resolved(outDir), results = Resolved(resultsDir);
        if (IsWithin(full, results) || IsWithin(results, full))
        {
            throw new ReportInputException(
                $"--out {outDir} overlaps --results {resultsDir} (the same folder, or one inside the other): choose an output folder outside the results");
        }

        if (File.Exists(full))
        {
            throw new ReportInputException($"output path is a file, not a folder: {outDir}");
        }

        if (!Directory.Exists(full))
        {
            string? ancestor = Path.GetDirectoryName(full);
            while (ancestor is not null && !Directory.Exists(ancestor))
            {
                if (File.Exists(ancestor))
                {
                    throw new ReportInputException($"cannot write output folder {outDir}: {ancestor} is a file");
                }

                ancestor = Path.GetDirectoryName(ancestor);
            }

            return new ReportFolder(full, outDir, false, new HashSet<string>());
        }

        return new ReportFolder(full, outDir, true, ReadManifest(full, outDir));
    }

    /// <summary>Refuses to go on when any of <paramref name="files"/> (relative paths) would replace a file, or
    /// go into a folder, that an earlier ee-report did not write.</summary>
    public void CheckFree(IEnumerable<string> files)
    {
        if (!Exists)
        {
            return;
        }

        var blocked = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string target = Path.Combine(FullPath, file);
            if (!_previous.Contains(file) && (File.Exists(target) || Directory.Exists(target)))
            {
                blocked.Add(file);
            }

            for (string? dir = Path.GetDirectoryName(target); dir is not null && dir.Length > FullPath.Length; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(dir) || new DirectoryInfo(dir).LinkTarget is not null)
                {
                    blocked.Add(Path.GetRelativePath(FullPath, dir)); // a file, or a link that would lead the report elsewhere
                }
            }
        }

        if (blocked.Count > 0)
        {
            string shown = string.Join(", ", blocked.Take(3)) + (blocked.Count > 3 ? $" and {blocked.Count - 3} more" : "");
            throw new ReportInputException(
                $"output folder {_display} holds {shown}, which ee-report did not write (no {ManifestName} there lists them): move them away or choose a new or empty folder");
        }
    }

    /// <summary>A new empty folder for the report's files, on the output's file system (so moves are renames).</summary>
    public string CreateStaging()
    {
        string parent = Path.GetDirectoryName(FullPath) ?? throw new ReportInputException($"output folder has no parent: {_display}");
        string staging = Exists
            ? Path.Combine(FullPath, $".ee-report-{Guid.NewGuid():N}.tmp")
            : Path.Combine(parent, $".{Path.GetFileName(FullPath)}.ee-report-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>
    /// Moves the staged <paramref name="files"/> into place and deletes the previous run's files that were not
    /// rewritten. A new folder is moved in whole. Into an existing one, the manifest first lists old and new files,
    /// so that every file of ours stays listed whenever the run stops.
    /// </summary>
    public void Commit(string staging, IReadOnlyList<string> files)
    {
        if (!Exists)
        {
            File.WriteAllText(Path.Combine(staging, ManifestName), ManifestText(files), new UTF8Encoding(false));
            Directory.Move(staging, FullPath);
            return;
        }

        WriteManifest(staging, _previous.Union(files));
        foreach (string file in files)
        {
            string target = Path.Combine(FullPath, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(Path.Combine(staging, file), target, overwrite: true);
        }

        foreach (string stale in _previous.Except(files))
        {
            File.Delete(Path.Combine(FullPath, stale)); // a listed file that is gone already is no error
        }

        WriteManifest(staging, files);
        Directory.Delete(staging, recursive: true);
    }

    /// <summary>Deletes a staging folder after a failure (best effort: a leftover one is never read).</summary>
    public static void Discard(string? staging)
    {
        try
        {
            if (staging is not null && Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // It holds only this run's files.
        }
    }

    private void WriteManifest(string staging, IEnumerable<string> files)
    {
        string temp = Path.Combine(staging, ManifestName);
        File.WriteAllText(temp, ManifestText(files), new UTF8Encoding(false));
        File.Move(temp, Path.Combine(FullPath, ManifestName), overwrite: true);
    }

    private static string ManifestText(IEnumerable<string> files) =>
        ManifestHeader + "\n" + string.Concat(files.Distinct().Order(StringComparer.Ordinal).Select(f => f + "\n"));

    private static HashSet<string> ReadManifest(string folder, string display)
    {
        string path = Path.Combine(folder, ManifestName);
        var files = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return files;
        }

        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != ManifestHeader)
        {
            throw new ReportInputException($"{Path.Combine(display, ManifestName)} is not an ee-report manifest: move it away or choose another folder");
        }

        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            bool inside = !Path.IsPathRooted(line) && line.Split('/').All(part => part is not ("" or "." or ".."));
            if (!inside)
            {
                throw new ReportInputException($"{Path.Combine(display, ManifestName)} lists '{line}', which is not a path inside the folder");
            }

            files.Add(line);
        }

        return files;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies inside it.</summary>
    private static bool IsWithin(string path, string folder) =>
        path == folder || path.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The absolute path with every existing symbolic link resolved, so that a link cannot hide an overlap.</summary>
    private static string Resolved(string path, int depth = 0)
    {
        string full = Path.GetFullPath(path);
        string resolved = Path.GetPathRoot(full)!;
        foreach (string part in full[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(resolved, part);
            if (new FileInfo(next).LinkTarget is { } target && depth < 40)
            {
                next = Resolved(Path.Combine(resolved, target), depth + 1); // a relative target is relative to the link's folder
            }

            resolved = next;
        }

        return resolved;
    }
}
