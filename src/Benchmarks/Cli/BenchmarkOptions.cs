using EmbeddedEnsembles.Runtime;
using System.Globalization;

namespace EEArtifacts.Benchmarks.Cli;

/// <summary>What the command line asked for; <see cref="Parse"/> turns bad input into one clear line.</summary>
/// <param name="Profile">quick or paper.</param>
/// <param name="OutputDirectory">Where every results file goes (the pipeline passes results/&lt;profile&gt;/benchmarks).</param>
/// <param name="Filters">BenchmarkDotNet glob patterns over "Namespace.Type.Method" (empty: every suite).</param>
/// <param name="Threads">Torch intra-op threads, set once for the whole run.</param>
public sealed record BenchmarkOptions(BenchmarkProfile Profile, string OutputDirectory, IReadOnlyList<string> Filters, int Threads)
{
    /// <summary>The usage text printed by --help.</summary>
    public const string Usage =
        "usage: ee-benchmarks --profile quick|paper --out DIR [--filter PATTERN]... [--threads N]\n" +
        "  --profile  quick: short jobs and a small grid (a few minutes); paper: default jobs, the full grid\n" +
        "  --out      folder for the BenchmarkDotNet exports and roofline/memory/targets files\n" +
        "  --filter   glob over Namespace.Type.Method, e.g. *TrainingStep* (repeatable; default: all suites)\n" +
        "  --threads  torch intra-op threads, at most the cores (default 1, as everywhere in the project)";

    /// <summary>Parses the arguments; throws <see cref="UsageException"/> with one line on bad input.</summary>
    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        BenchmarkProfile? profile = null;
        string? output = null;
        int threads = TorchRuntime.DefaultThreads;
        var filters = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--profile":
                    string name = Value(args, ref i, arg);
                    profile = BenchmarkProfile.Find(name)
                        ?? throw new UsageException($"unknown profile '{name}': use quick or paper");
                    break;
                case "--out":
                    output = Value(args, ref i, arg);
                    if (string.IsNullOrWhiteSpace(output))
                    {
                        throw new UsageException("--out needs a folder");
                    }
                    break;
                case "--filter":
                    string pattern = Value(args, ref i, arg);
                    if (string.IsNullOrWhiteSpace(pattern))
                    {
                        throw new UsageException("--filter needs a pattern");
                    }
                    filters.Add(pattern);
                    break;
                case "--threads":
                    string text = Value(args, ref i, arg);
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out threads) || threads < 1 || threads > Environment.ProcessorCount)
                    {
                        throw new UsageException($"--threads must be a whole number from 1 to {Environment.ProcessorCount} (the cores this process may use), got '{text}'");
                    }
                    break;
                default:
                    throw new UsageException($"unknown argument '{arg}' (see --help)");
            }
        }
        if (profile is null)
        {
            throw new UsageException("missing --profile quick|paper");
        }
        if (output is null)
        {
            throw new UsageException("missing --out DIR");
        }
        return new BenchmarkOptions(profile, Path.GetFullPath(output), filters, threads);
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string flag)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new UsageException($"{flag} needs a value");
        }
        i++;
        return args[i];
    }
}

/// <summary>A bad command line: the message is the one line the user sees; the exit code is 2.</summary>
public sealed class UsageException(string message) : Exception(message);
