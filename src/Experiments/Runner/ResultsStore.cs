namespace EEArtifacts.Experiments.Runner;

/// <summary>
/// The files of one experiment under results/&lt;profile&gt;/&lt;experiment&gt;/ (docs/RESULTS.md): finished cells are
/// recognised by index and configuration hash; everything is written atomically, the cell's .json last.
/// </summary>
public sealed class ResultsStore
{
    /// <summary>Opens (without creating) the folder of one experiment.</summary>
    public ResultsStore(string experimentFolder)
    {
        Folder = experimentFolder;
        CellsFolder = Path.Combine(experimentFolder, "cells");
    }

    /// <summary>results/&lt;profile&gt;/&lt;experiment&gt;.</summary>
    public string Folder { get; }

    /// <summary>The cells/ subfolder.</summary>
    public string CellsFolder { get; }

    /// <summary>The file stem of a cell: four-digit index and configuration hash.</summary>
    public static string Stem(int index, string hash) => $"{index:D4}-{hash}";

    /// <summary>Whether the cell finished in an earlier run with the same configuration.</summary>
    public bool IsFinished(int index, string hash) => File.Exists(Path.Combine(CellsFolder, Stem(index, hash) + ".json"));

    /// <summary>The lock file of a cell (<see cref="CellLock"/>).</summary>
    public string LockPath(string stem) => Path.Combine(CellsFolder, stem + CellLock.Suffix);

    /// <summary>
    /// Removes files of this shard's cells that are not in the current grid (a changed configuration), so old rows
    /// are never mixed with new ones, and the temp files and locks that dead writers on this host left (in cells/
    /// and, for experiment.json, in the experiment folder). Never touches a live writer's temp file or lock, a
    /// writer's on another host, or a cell another shard owns.
    /// </summary>
    public void RemoveStale(IReadOnlySet<string> currentStems, ShardSpec shard)
    {
        if (Directory.Exists(Folder))
        {
            foreach (string file in Directory.EnumerateFiles(Folder, "*" + AtomicFile.TempSuffix))
            {
                RemoveIfItsWriterIsDead(file);
            }
        }
        if (!Directory.Exists(CellsFolder))
        {
            return;
        }
        foreach (string file in Directory.EnumerateFiles(CellsFolder))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal))
            {
                RemoveIfItsWriterIsDead(file);
                continue;
            }
            if (name.EndsWith(CellLock.Suffix, StringComparison.Ordinal))
            {
                // Also a finished cell's: a writer killed between its last write and the release leaves the lock behind.
                if (CellLock.Holder(file) is { } holder && Writer.IsDeadLocal(holder))
                {
                    DeleteIfPresent(file);
                }
                continue;
            }
            string stem = name.Split('.')[0];
            bool stale = !currentStems.Contains(stem) && int.TryParse(stem.Split('-')[0], out int index) && shard.Owns(index);
            if (!stale)
            {
                continue;
            }
            DeleteIfPresent(file);
        }
    }

    private static void RemoveIfItsWriterIsDead(string tempFile)
    {
        if (AtomicFile.TempWriter(Path.GetFileName(tempFile)) is { } writer && Writer.IsDeadLocal(writer))
        {
            DeleteIfPresent(tempFile);
        }
    }

    // Another writer may remove the same dead writer's file at the same moment.
    private static void DeleteIfPresent(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Writes experiment.json (identical for every shard of the same grid).</summary>
    public void WriteExperiment(object description)
    {
        Directory.CreateDirectory(CellsFolder);
        string path = Path.Combine(Folder, "experiment.json");
        string text = CanonicalJson.Serialize(description);
        if (!File.Exists(path) || File.ReadAllText(path) != text) // another shard may have written the same bytes
        {
            AtomicFile.WriteAllText(path, text);
        }
    }

    /// <summary>Writes one finished cell: rows, epochs, timing, and last its .json record.</summary>
    public void WriteCell(string stem, string rowsCsv, string? epochsCsv, string timingJson, string cellJson)
    {
        Directory.CreateDirectory(CellsFolder);
        string basePath = Path.Combine(CellsFolder, stem);
        AtomicFile.WriteAllText(basePath + ".rows.csv", rowsCsv);
        if (epochsCsv is not null)
        {
            AtomicFile.WriteAllText(basePath + ".epochs.csv", epochsCsv);
        }
        AtomicFile.WriteAllText(basePath + ".timing.json", timingJson);
        AtomicFile.WriteAllText(basePath + ".json", cellJson);
    }
}
