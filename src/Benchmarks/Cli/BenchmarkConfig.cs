using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace EEArtifacts.Benchmarks.Cli;

/// <summary>The BenchmarkDotNet configuration of a run.</summary>
public static class BenchmarkConfig
{
    /// <summary>
    /// The job of <paramref name="profile"/>, in process (libtorch's ~600 MB of native files are neither rebuilt
    /// nor copied per job; torch's thread setting and the grid are seen by the cases). UnrollFactor 1: every
    /// operation here takes from a tenth of a millisecond to hundreds of milliseconds, so one call per loop turn costs
    /// nothing and keeps iterations short. quick: 1 launch, 2 warmups, 5 iterations of about 100 ms, no overhead
    /// evaluation, at least one call per iteration.
    /// </summary>
    public static Job JobOf(BenchmarkProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Job job = Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: false))
            .WithUnrollFactor(1);
        if (profile.ShortJobs)
        {
            job = job
                .WithLaunchCount(1)
                .WithWarmupCount(2)
                .WithIterationCount(5)
                .WithIterationTime(TimeInterval.FromMilliseconds(100))
                .WithMinInvokeCount(1) // a 200 ms step runs once per iteration, not 4 times
                .WithEvaluateOverhead(false);
        }
        return job.WithId(profile.Name);
    }

    /// <summary>
    /// The configuration: the profile's job, MemoryDiagnoser (managed memory only; native memory is measured
    /// separately), ratio columns against each class's baseline, invariant culture everywhere, and the three
    /// exporters (full JSON, CSV, GitHub Markdown) writing under <paramref name="artifactsPath"/>/results.
    /// </summary>
    public static IConfig Create(BenchmarkProfile profile, string artifactsPath, IReadOnlyList<string> filters, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(filters);
        SummaryStyle style = SummaryStyle.Default
            .WithCultureInfo(CultureInfo.InvariantCulture)
            .WithTimeUnit(TimeUnit.Millisecond)
            .WithMaxParameterColumnWidth(40);
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(JobOf(profile))
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(logger)
            .AddExporter(JsonExporter.Full, new CsvExporter(CsvSeparator.Comma, style), MarkdownExporter.GitHub)
            .WithSummaryStyle(style)
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.DisableLogFile);
        if (filters.Count > 0)
        {
            config = config.AddFilter(new GlobFilter(filters.ToArray()));
        }
        return config;
    }
}
