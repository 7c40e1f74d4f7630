using System.Text;

namespace EEArtifacts.Experiments.Runner;

/// <summary>Writes files so that a final path never holds partial content: temp file in the same folder, then rename.</summary>
public static class AtomicFile
{
    /// <summary>The suffix of temp files; readers and resume ignore (and clean) them.</summary>
    public const string TempSuffix = ".partial";

    /// <summary>Writes UTF-8 text (no BOM) atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>Writes bytes atomically: flushed to disk before the rename.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        string temp = path + TempSuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
