using System.Text.RegularExpressions;
using EEArtifacts.Experiments.Catalogue;
using EEArtifacts.Experiments.Runner;
using EEArtifacts.Reporting;
using EEArtifacts.Reporting.Results;
using EEArtifacts.Reporting.Sections;
using EEArtifacts.ResultsContract;
using EmbeddedEnsembles.Runtime;
using EmbeddedEnsembles.Training;
using EEArtifacts.Experiments.Tests.Support;

namespace EEArtifacts.Experiments.Tests.Contract;

/// <summary>The smoke profile's results, written once by the real runner and catalogue, for the contract tests.</summary>
public sealed class SmokeResults : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-contract-" + Guid.NewGuid().ToString("N"));

    public SmokeResults()
    {
        var options = new RunOptions(Profile.Smoke, DeviceChoice.Cpu, 1, ShardSpec.Parse("1/1"), [], _root, _root, false);
        new ExperimentRunner(ExperimentCatalogue.All, TaskSource.Check).Run(options, new SilentProgress());
        Folder = Path.Combine(_root, "smoke");
    }

    /// <summary>results/smoke/ of the run.</summary>
    public string Folder { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>
/// One column contract (src/Shared/ResultsContract.cs): the experiments write it, every report section finds every
/// column it reads in real output, and docs/RESULTS.md lists the same columns.
/// </summary>
public sealed class ResultsContractTests(SmokeResults smoke) : IClassFixture<SmokeResults>
{
    [Fact]
    public void EveryExperimentWritesTheDeclaredLayout()
    {
        Assert.Equal(ResultLayout.All.Select(l => l.Experiment), ExperimentCatalogue.All.Select(e => e.Name));
        Assert.Equal(ResultLayout.All.Select(l => l.Experiment), ExperimentSection.All().Select(s => s.Experiment));
        foreach (ResultLayout layout in ResultLayout.All)
        {
            string cells = Path.Combine(smoke.Folder, layout.Experiment, "cells");
            foreach (string rows in Directory.GetFiles(cells, "*.rows.csv"))
            {
                Assert.Equal(string.Join(",", [.. ResultLayout.Leading, .. layout.Rows]), File.ReadLines(rows).First());
            }
            string[] epochs = Directory.GetFiles(cells, "*.epochs.csv");
            Assert.Equal(layout.Epochs.Length > 0, epochs.Length > 0);
            foreach (string file in epochs)
            {
                Assert.Equal(string.Join(",", [.. ResultLayout.Leading, .. layout.Epochs]), File.ReadLines(file).First());
            }
        }
    }

    [Fact]
    public void EverySectionFindsEveryColumnItReadsInTheSmokeOutput()
    {
        IReadOnlyList<ExperimentSection> sections = ExperimentSection.All();
        ResultsSet results = ResultsReader.Read(smoke.Folder, sections.Select(s => s.Experiment));
        BuiltReport report = ReportBuilder.Build(results, sections);

        // The smoke run has no benchmarks; every experiment is there, whole, with every declared column.
        Assert.All(report.Missing, m => Assert.StartsWith("benchmarks:", m, StringComparison.Ordinal));
        foreach (ExperimentSection section in sections)
        {
            ExperimentResults data = results.Get(section.Experiment);
            Assert.True(data.HasRows, section.Experiment);
            Assert.Empty(data.Rows.MissingColumns(section.RowColumns));
            Assert.Empty(data.Epochs.MissingColumns(section.EpochColumns));
            // Building the report drew every figure and evaluated every claim: none asked for a column the files lack.
            Assert.Empty(data.Rows.AbsentReads);
            Assert.Empty(data.Epochs.AbsentReads);
        }
    }

    [Fact]
    public void RegimeValuesAreTheLibrarysNames()
    {
        Assert.Equal(
            [RegimeValue.Independent, RegimeValue.Collective, RegimeValue.Mixed, RegimeValue.None],
            Enum.GetValues<OperatingRegime>().Select(Regime.Name));
    }

    [Fact]
    public void TheResultsDocumentListsTheContractColumns()
    {
        string doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "RESULTS.md"));
        foreach (var (file, select) in new (string, Func<ResultLayout, string[]>)[] { ("rows.csv", l => l.Rows), ("epochs.csv", l => l.Epochs) })
        {
            string table = doc[doc.IndexOf($"| experiment | {file} columns", StringComparison.Ordinal)..];
            int end = table.IndexOf("\n\n", StringComparison.Ordinal);
            table = end < 0 ? table : table[..end];
            var documented = Regex.Matches(table, @"^\| ([a-z-]+) \| (.+) \|$", RegexOptions.Multiline)
                .Where(m => m.Groups[1].Value != "experiment")
                .ToDictionary(m => m.Groups[1].Value, m => WithoutRemarks(m.Groups[2].Value).Split(", "));
            Assert.Equal(
                ResultLayout.All.Where(l => select(l).Length > 0).ToDictionary(l => l.Experiment, select),
                documented);
        }
    }

    // "u1 (NaN for independent networks), gamma (the number gamma(M))" -> "u1, gamma": drops parenthesized remarks.
    private static string WithoutRemarks(string text)
    {
        var kept = new System.Text.StringBuilder();
        int depth = 0;
        foreach (char c in text)
        {
            depth += c == '(' ? 1 : 0;
            if (depth == 0)
            {
                kept.Append(c);
            }
            depth -= c == ')' ? 1 : 0;
        }
        return kept.ToString().Replace(" ,", ",", StringComparison.Ordinal).Trim();
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EEArtifacts.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("EEArtifacts.sln not found above " + AppContext.BaseDirectory);
    }
}
