// What each target does. Every child process gets its arguments as a list (ProcessArgumentBuilder)
// and the environment from BuildParameters.ChildEnvironment.

DotNetMSBuildSettings MSBuild(BuildParameters p) => new DotNetMSBuildSettings().SetMaxCpuCount(0);

void CleanOutputs(BuildParameters p)
{
    DotNetClean(p.Solution.FullPath, new DotNetCleanSettings { Configuration = p.Configuration });
    // Run outputs only (ignored by git); the references in references/ are never touched here.
    foreach (var dir in new[] { p.ScratchDirectory, p.ResultsDirectory, p.PaperDirectory })
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

void RunBenchmarks(BuildParameters p) => RunBenchmarksInto(p, p.ResultsDirectory.Combine("benchmarks"));

void RunBenchmarksInto(BuildParameters p, DirectoryPath output)
{
    RunProgram(p, "Benchmarks", new ProcessArgumentBuilder()
        .Append("--profile").Append(p.Profile)
        .Append("--out").AppendQuoted(output.FullPath));
}

void RenderReport(BuildParameters p, DirectoryPath results, DirectoryPath paper)
{
    RunProgram(p, "Reporting", new ProcessArgumentBuilder()
        .Append("--results").AppendQuoted(results.FullPath)
        .Append("--out").AppendQuoted(paper.FullPath));
}

// Regenerates the quick profile (or the --only subset) into scratch/verify/ and compares it with
// references/quick/results. Without --only it also renders the report from the regenerated results (compared with
// references/quick/paper by claims and figures present) and re-renders it from the reference results (compared byte
// for byte when the numeric environment matches). Benchmarks are not rerun: their timings are not reproducible, so
// the regenerated report draws the references' benchmark exports.
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
    var regenerated = scratch.Combine("results").Combine(p.Profile);
    var args = new ProcessArgumentBuilder()
        .Append("verify")
        .Append("--expected").AppendQuoted(p.ReferenceResults.FullPath)
        .Append("--actual").AppendQuoted(regenerated.FullPath);
    if (string.IsNullOrEmpty(p.Only))
    {
        CopyDirectory(p.ReferenceResults.Combine("benchmarks"), regenerated.Combine("benchmarks"));
        var paper = scratch.Combine("paper").Combine(p.Profile);
        var rerendered = scratch.Combine("paper-from-references").Combine(p.Profile);
        RenderReport(p, regenerated, paper);
        RenderReport(p, p.ReferenceResults, rerendered);
        args.Append("--expected-report").AppendQuoted(p.ReferencePaper.FullPath)
            .Append("--actual-report").AppendQuoted(paper.FullPath)
            .Append("--rerendered-report").AppendQuoted(rerendered.FullPath);
    }
    else
    {
        args.Append("--only").Append(p.Only);
    }
    RunProgram(p, "Experiments", args);
}

// Refreshes references/<profile>/: runs the whole profile (experiments, benchmarks, report) into a clean
// scratch/references/ and replaces references/<profile>/{results,paper} with it. The tree must be clean apart from
// references/ so that every cell names a real commit: EE_GIT_COMMIT is set to HEAD, the commit whose code made the
// references; commit references/ afterwards.
void RefreshReferences(BuildParameters p)
{
    if (!string.IsNullOrEmpty(p.Only))
    {
        throw new CakeException("References runs the whole profile; drop --only");
    }
    string status = Git(p, "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)references");
    if (status.Length > 0)
    {
        throw new CakeException("References must name a real commit: commit (or stash) these changes first:\n" + status);
    }
    p.GitCommit = Git(p, "rev-parse", "HEAD");
    var clean = p.ScratchDirectory.Combine("references");
    if (DirectoryExists(clean))
    {
        DeleteDirectory(clean, new DeleteDirectorySettings { Recursive = true, Force = true });
    }
    var results = clean.Combine("results");
    RunExperimentsInto(p, results);
    RunBenchmarksInto(p, results.Combine(p.Profile).Combine("benchmarks"));
    RenderReport(p, results.Combine(p.Profile), clean.Combine("paper").Combine(p.Profile));
    foreach (var (from, to) in new[] { (results.Combine(p.Profile), p.ReferenceResults), (clean.Combine("paper").Combine(p.Profile), p.ReferencePaper) })
    {
        if (DirectoryExists(to))
        {
            DeleteDirectory(to, new DeleteDirectorySettings { Recursive = true, Force = true });
        }
        EnsureDirectoryExists(to.GetParent());
        MoveDirectory(from, to);
    }
    Information($"References of commit {p.GitCommit} are in {p.ReferencesDirectory}: review and commit them (git add {p.ReferencesDirectory}).");
}

string Git(BuildParameters p, params string[] args)
{
    var builder = new ProcessArgumentBuilder();
    foreach (var a in args)
    {
        builder.Append(a);
    }
    int exit = StartProcess("git", new ProcessSettings { Arguments = builder, RedirectStandardOutput = true, WorkingDirectory = p.Root }, out IEnumerable<string> output);
    if (exit != 0)
    {
        throw new CakeException($"git {string.Join(" ", args)} failed (exit {exit}): References needs a git checkout");
    }
    return string.Join("\n", output).Trim();
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
