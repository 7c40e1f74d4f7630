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

    /// <summary>
    /// Removes files of cells that are not in the current grid (a changed configuration) and temp files a
    /// killed run left, so old rows are never mixed with new ones.
    /// </summary>
    public void RemoveStale(IReadOnlySet<string> currentStems)
    {
        if (!Directory.Exists(CellsFolder))
        {
            return;
        }
        foreach (string file in Directory.EnumerateFiles(CellsFolder))
        {
            string name = Path.GetFileName(file);
            string stem = name.Split('.')[0];
            if (name.EndsWith(AtomicFile.TempSuffix, StringComparison.Ordinal) || !currentStems.Contains(stem))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Writes experiment.json (identical for every shard of the same grid).</summary>
    public void WriteExperiment(object description)
    {
        Directory.CreateDirectory(CellsFolder);
        AtomicFile.WriteAllText(Path.Combine(Folder, "experiment.json"), CanonicalJson.Serialize(description));
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
