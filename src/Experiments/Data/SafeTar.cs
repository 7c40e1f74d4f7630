using System.Formats.Tar;
using System.IO.Compression;

namespace EEArtifacts.Experiments.Data;

/// <summary>
/// Reading and extracting .tar.gz archives without trusting them: every entry must be a regular file or a directory
/// (links, devices and pipes are refused) whose relative path stays inside the target folder.
/// </summary>
public static class SafeTar
{
    /// <summary>
    /// Checks one entry and returns its normalized relative path ('/'-separated, no "." segments), or throws a
    /// <see cref="DatasetException"/> naming the archive and the entry.
    /// </summary>
    public static string CheckEntry(TarEntry entry, string archiveName)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string name = entry.Name;
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile:
            case TarEntryType.V7RegularFile:
            case TarEntryType.Directory:
                break;
            case TarEntryType.SymbolicLink:
            case TarEntryType.HardLink:
                throw new DatasetException($"{archiveName}: entry '{name}' is a link ({entry.EntryType} to '{entry.LinkName}'); links are refused");
            default:
                throw new DatasetException($"{archiveName}: entry '{name}' is of type {entry.EntryType}; only regular files and directories are accepted");
        }
        string relative = NormalizeRelative(name, archiveName);
        if (relative == "." && entry.EntryType != TarEntryType.Directory)
        {
            throw new DatasetException($"{archiveName}: file entry '{name}' has no file name; refused");
        }
        return relative;
    }

    /// <summary>
    /// Extracts <paramref name="archivePath"/> (.tar.gz) into <paramref name="targetFolder"/>. Every entry is checked
    /// first (see <see cref="CheckEntry"/>); the archive is unpacked into a temporary folder inside the target and moved
    /// into place only when all of it was read, so a refused or truncated archive leaves the target as it was.
    /// Existing files are not overwritten (that is an error). Returns the relative paths of the files written.
    /// </summary>
    public static IReadOnlyList<string> ExtractTo(string archivePath, string targetFolder)
    {
        string archiveName = Path.GetFileName(archivePath);
        string target = Path.GetFullPath(targetFolder);
        Directory.CreateDirectory(target);
        string staging = Path.Combine(target, $".extracting-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        var files = new List<string>();
        try
        {
            ForEachEntry(archivePath, (entry, relative) =>
            {
                string destination = Resolve(staging, relative, archiveName, entry.Name);
                if (entry.EntryType == TarEntryType.Directory)
                {
                    Directory.CreateDirectory(destination);
                    return;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write))
                {
                    if (entry.DataStream is { } data)
                    {
                        CopyExactly(data, output, entry.Length, $"{archiveName} (entry '{entry.Name}')");
                    }
                }
                files.Add(relative);
            });
            foreach (string relative in files)
            {
                string destination = Resolve(target, relative, archiveName, relative);
                if (File.Exists(destination) || Directory.Exists(destination))
                {
                    throw new DatasetException($"{archiveName}: '{relative}' already exists in {target}; remove it or extract elsewhere");
                }
            }
            foreach (string relative in files)
            {
                string destination = Resolve(target, relative, archiveName, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Move(Path.Combine(staging, relative), destination);
            }
            return files;
        }
        catch (IOException e)
        {
            throw new DatasetException($"{archiveName} could not be extracted into {target}: {e.Message}", e);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// Streams through the entries of a .tar.gz, checking each (<see cref="CheckEntry"/>) before handing it to
    /// <paramref name="visit"/> with its normalized relative path. Entry data is valid only inside the callback.
    /// Truncated or corrupt archives give a one-line <see cref="DatasetException"/>.
    /// </summary>
    public static void ForEachEntry(string archivePath, Action<TarEntry, string> visit)
    {
        string archiveName = Path.GetFileName(archivePath);
        try
        {
            using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
                {
                    continue;
                }
                string relative = CheckEntry(entry, archiveName);
                visit(entry, relative);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            throw new DatasetException($"{archiveName} is truncated or corrupt (not a complete .tar.gz: {e.Message})", e);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException))
        {
            throw new DatasetException($"{archiveName} could not be read: {e.Message}", e);
        }
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes, or throws "truncated".</summary>
    internal static void CopyExactly(Stream source, Stream destination, long length, string what)
    {
        var buffer = new byte[1 << 16];
        long left = length;
        while (left > 0)
        {
            int want = (int)Math.Min(buffer.Length, left);
            StreamReading.ReadExactly(source, buffer.AsSpan(0, want), what);
            destination.Write(buffer, 0, want);
            left -= want;
        }
    }

    private static string NormalizeRelative(string name, string archiveName)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new DatasetException($"{archiveName}: an entry has an empty or invalid name; refused");
        }
        if (name.StartsWith('/') || name.StartsWith('\\') || Path.IsPathRooted(name) || (name.Length >= 2 && name[1] == ':'))
        {
            throw new DatasetException($"{archiveName}: entry '{name}' has an absolute path; refused");
        }
        var segments = new List<string>();
        foreach (string segment in name.Split('/', '\\'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }
            if (segment == "..")
            {
                throw new DatasetException($"{archiveName}: entry '{name}' escapes the target folder ('..'); refused");
            }
            segments.Add(segment);
        }
        if (segments.Count == 0)
        {
            return ".";
        }
        return string.Join('/', segments);
    }

    private static string Resolve(string root, string relative, string archiveName, string entryName)
    {
        string full = Path.GetFullPath(Path.Combine(root, relative));
        string prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, StringComparison.Ordinal) && full != root)
        {
            throw new DatasetException($"{archiveName}: entry '{entryName}' escapes the target folder; refused");
        }
        return full;
    }
}
