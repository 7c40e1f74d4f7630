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

void RunExperiments(BuildParameters p)
{
    var args = new ProcessArgumentBuilder()
        .Append("run")
        .Append("--profile").Append(p.Profile)
        .Append("--device").Append(p.Device)
        .Append("--threads").Append(p.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Append("--out").AppendQuoted(p.Root.Combine("results").FullPath);
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

void VerifyArtifacts(BuildParameters p)
{
    throw new CakeException("Verify is not implemented yet (issue 8)");
}

void Summarize(BuildParameters p, TimeSpan elapsed)
{
    Information($"Done in {elapsed:hh\\:mm\\:ss}: results in {p.ResultsDirectory}, report in {p.PaperDirectory}.");
}
