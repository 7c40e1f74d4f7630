using System.Text;

namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// Writes files so that a final path never holds partial content: a temp file in the same folder, then a rename.
/// The temp name carries its writer (<see cref="Writer.Tag"/>) and a random part, so concurrent writers into one
/// folder (shards, repeated runs, nodes of a cluster file system) never share a temp file.
/// </summary>
public static class AtomicFile
{
    /// <summary>The suffix of temp files; readers ignore them, and only a dead writer's are cleaned.</summary>
    public const string TempSuffix = ".partial";

    /// <summary>Writes UTF-8 text (no BOM) atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes bytes atomically: flushed to disk before the rename; a failed write removes its temp file.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        string temp = TempPath(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
            throw;
        }
    }

    /// <summary>A fresh temp path for <paramref name="path"/>: "&lt;path&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;random&gt;.partial".</summary>
    public static string TempPath(string path) => $"{path}.{Writer.Tag}.{Random.Shared.Next():x8}{TempSuffix}";

    /// <summary>The writer of a temp file from its name, or null when the name is not of that form.</summary>
    public static Writer.Id? TempWriter(string fileName)
    {
        if (!fileName.EndsWith(TempSuffix, StringComparison.Ordinal))
        {
            return null;
        }
        string[] parts = fileName[..^TempSuffix.Length].Split('.');
        return parts.Length >= 4 && int.TryParse(parts[^2], out int pid) ? new Writer.Id(parts[^3], pid) : null;
    }
}
