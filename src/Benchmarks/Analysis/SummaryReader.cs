using BenchmarkDotNet.Reports;
using EEArtifacts.Benchmarks.Suites;
using EEArtifacts.Benchmarks.Workloads;

namespace EEArtifacts.Benchmarks.Analysis;

/// <summary>Turns BenchmarkDotNet summaries into the plain records the post-processing works on.</summary>
public static class SummaryReader
{
    /// <summary>The ensemble suites' cases (training step and inference) with results.</summary>
    public static IReadOnlyList<StepTiming> StepTimings(IEnumerable<Summary> summaries) =>
        Reports(summaries)
            .Select(r => (report: r, suite: SuiteOf(r.BenchmarkCase.Descriptor.Type)))
            .Where(p => p.suite is not null)
            .Select(p =>
            {
                BenchmarkReport r = p.report;
                WorkloadKind kind = WorkloadKinds.Parse(r.BenchmarkCase.Descriptor.WorkloadMethod.Name)
                    ?? throw new InvalidOperationException($"unknown ensemble benchmark {r.BenchmarkCase.Descriptor.WorkloadMethod.Name}");
                var shape = new WorkloadShape(Param(r, nameof(EnsembleSuite.Width)), Param(r, nameof(EnsembleSuite.Members)));
                var st = r.ResultStatistics!;
                return new StepTiming(p.suite!, kind, shape.Width, shape.Members, shape.Batch, st.Mean, st.StandardError, st.Median, st.Min);
            })
            .ToList();

    /// <summary>The GEMM suite's cases with results.</summary>
    public static IReadOnlyList<GemmTiming> GemmTimings(IEnumerable<Summary> summaries) =>
        Reports(summaries)
            .Where(r => typeof(GemmBenchmarks).IsAssignableFrom(r.BenchmarkCase.Descriptor.Type))
            .Select(r => new GemmTiming(Param(r, nameof(GemmBenchmarks.Size)), r.ResultStatistics!.Median, r.ResultStatistics.StandardError,
                r.BenchmarkCase.Descriptor.Type == typeof(GemmBenchmarksAfter) ? "after" : "before"))
            .ToList();

    /// <summary>"Type.Method(params)" of every case that produced no statistics (it failed).</summary>
    public static IReadOnlyList<string> FailedCases(IEnumerable<Summary> summaries) =>
        summaries.SelectMany(s => s.BenchmarksCases.Where(c => s[c]?.ResultStatistics is null)
            .Select(c => $"{c.Descriptor.Type.Name}.{c.Descriptor.WorkloadMethod.Name}({c.Parameters.DisplayInfo})"))
            .ToList();

    private static IEnumerable<BenchmarkReport> Reports(IEnumerable<Summary> summaries) =>
        summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null);

    private static string? SuiteOf(Type type) =>
        type == typeof(TrainingStepBenchmarks) ? SuiteNames.TrainingStep
        : type == typeof(InferenceBenchmarks) ? SuiteNames.Inference
        : null;

    private static int Param(BenchmarkReport report, string name) => Convert.ToInt32(report.BenchmarkCase.Parameters[name], System.Globalization.CultureInfo.InvariantCulture);
}
