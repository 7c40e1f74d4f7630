// What each target does. Every child process gets its arguments as a list (ProcessArgumentBuilder)
// and the environment from BuildParameters.ChildEnvironment.

DotNetMSBuildSettings MSBuild(BuildParameters p) => new DotNetMSBuildSettings().SetMaxCpuCount(0);

void CleanOutputs(BuildParameters p)
{
    DotNetClean(p.Solution.FullPath, new DotNetCleanSettings { Configuration = p.Configuration });
    foreach (var dir in new[] { p.ScratchDirectory })
    {
        if (DirectoryExists(dir))
        {
            DeleteDirectory(dir, new DeleteDirectorySettings { Recursive = true, Force = true });
        }
    }
}

void BuildSolution(BuildParameters p)
{
    DotNetBuild(p.Solution.FullPath, new DotNetBuildSettings
    {
        Configuration = p.Configuration,
        MSBuildSettings = MSBuild(p),
        EnvironmentVariables = p.ChildEnvironment,
    });
}

void TestSolution(BuildParameters p)
{
    DotNetTest(p.Solution.FullPath, new DotNetTestSettings
    {
        Configuration = p.Configuration,
        NoBuild = true,
        EnvironmentVariables = p.ChildEnvironment,
    });
}

// Runs one of the repository's console programs (already built) with the given arguments.
void RunProgram(BuildParameters p, string project, ProcessArgumentBuilder arguments)
{
    DotNetRun(p.Root.Combine("src").Combine(project).FullPath, arguments, new DotNetRunSettings
    {
        Configuration = p.Configuration,
        NoBuild = true,
        NoRestore = true,
        EnvironmentVariables = p.ChildEnvironment,
    });
}

void RunExperiments(BuildParameters p) => RunExperimentsInto(p, p.Root.Combine("results"));

void RunExperimentsInto(BuildParameters p, DirectoryPath resultsRoot)
{
    var args = new ProcessArgumentBuilder()
        .Append("run")
        .Append("--profile").Append(p.Profile)
        .Append("--device").Append(p.Device)
        .Append("--threads").Append(p.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Append("--jobs").Append(p.Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Append("--out").AppendQuoted(resultsRoot.FullPath);
    if (!string.IsNullOrEmpty(p.Only))
    {
        args.Append("--only").Append(p.Only);
    }
    RunProgram(p, "Experiments", args);
}

void RunBenchmarks(BuildParameters p)
{
    RunProgram(p, "Benchmarks", new ProcessArgumentBuilder()
        .Append("--profile").Append(p.Profile)
        .Append("--out").AppendQuoted(p.ResultsDirectory.Combine("benchmarks").FullPath));
}

void RenderReport(BuildParameters p, DirectoryPath results, DirectoryPath paper)
{
    RunProgram(p, "Reporting", new ProcessArgumentBuilder()
        .Append("--results").AppendQuoted(results.FullPath)
        .Append("--out").AppendQuoted(paper.FullPath));
}

// Regenerates the quick profile (or the --only subset) into scratch/ and compares it with the committed
// results/quick; without --only it also re-renders the report from the committed results and compares it
// with the committed paper/quick byte for byte.
void VerifyArtifacts(BuildParameters p)
{
    if (p.Profile != "quick")
    {
        throw new CakeException("Verify checks the committed quick profile; run it with --profile=quick");
    }
    var scratch = p.ScratchDirectory.Combine("verify");
    if (DirectoryExists(scratch))
    {
        DeleteDirectory(scratch, new DeleteDirectorySettings { Recursive = true, Force = true });
    }
    RunExperimentsInto(p, scratch.Combine("results"));
    var args = new ProcessArgumentBuilder()
        .Append("verify")
        .Append("--expected").AppendQuoted(p.ResultsDirectory.FullPath)
        .Append("--actual").AppendQuoted(scratch.Combine("results").Combine(p.Profile).FullPath);
    if (string.IsNullOrEmpty(p.Only))
    {
        // The report is checked against the committed results it was made from: its provenance appendix names
        // the commit of the results, which a fresh run changes even when every number reproduces.
        var paper = scratch.Combine("paper").Combine(p.Profile);
        RenderReport(p, p.ResultsDirectory, paper);
        args.Append("--expected-report").AppendQuoted(p.PaperDirectory.FullPath)
            .Append("--actual-report").AppendQuoted(paper.FullPath);
    }
    else
    {
        args.Append("--only").Append(p.Only);
    }
    RunProgram(p, "Experiments", args);
}

// The closing lines of All: where the report is, how many claims hold (from paper/<profile>/claims.csv), total time.
void Summarize(BuildParameters p, TimeSpan elapsed)
{
    var claims = p.PaperDirectory.CombineWithFilePath("claims.csv");
    var verdicts = FileExists(claims)
        ? System.IO.File.ReadAllLines(claims.FullPath).Skip(1).Select(l => l.Split(',')[1]).GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count())
        : new Dictionary<string, int>();
    int Count(string verdict) => verdicts.TryGetValue(verdict, out int n) ? n : 0;
    Information($"Report: {p.PaperDirectory.CombineWithFilePath("report.pdf")} (and REPORT.md)");
    Information($"Claims: {Count("Holds")} hold, {Count("DoesNotHold")} do not hold, {Count("Inconclusive")} inconclusive (of {verdicts.Values.Sum()})");
    Information($"Results: {p.ResultsDirectory}; total time {elapsed:hh\\:mm\\:ss}");
}
