// EEArtifacts build script: wires targets only; the logic lives in build/*.cake.
//   dotnet tool restore && dotnet cake --target=All [--profile=quick|paper] [--device=auto|cpu|cuda]
#load "build/parameters.cake"
#load "build/steps.cake"

var parameters = BuildParameters.Load(Context);
var stopwatch = System.Diagnostics.Stopwatch.StartNew();

Setup(context => parameters.Describe(context));

Task("Clean")
    .Description("Removes build outputs and the selected profile's generated results and report.")
    .Does(() => CleanOutputs(parameters));

Task("Build")
    .Description("Builds the solution (Release by default).")
    .Does(() => BuildSolution(parameters));

Task("Test")
    .Description("Runs every test project.")
    .IsDependentOn("Build")
    .Does(() => TestSolution(parameters));

Task("Experiments")
    .Description("Runs the experiment catalogue for --profile into results/<profile>/.")
    .IsDependentOn("Build")
    .Does(() => RunExperiments(parameters));

Task("Benchmarks")
    .Description("Runs the BenchmarkDotNet suites into results/<profile>/benchmarks/.")
    .IsDependentOn("Build")
    .Does(() => RunBenchmarks(parameters));

Task("Report")
    .Description("Renders figures, the claims table, report.pdf and REPORT.md from results/<profile>/ into paper/<profile>/.")
    .IsDependentOn("Build")
    .Does(() => RenderReport(parameters, parameters.ResultsDirectory, parameters.PaperDirectory));

Task("Verify")
    .Description("Regenerates the quick profile into scratch/verify/ and compares it with references/quick (results and report).")
    .IsDependentOn("Build")
    .Does(() => VerifyArtifacts(parameters));

Task("All")
    .Description("Experiments, benchmarks and the report, in that order, then a summary.")
    .IsDependentOn("Experiments")
    .IsDependentOn("Benchmarks")
    .IsDependentOn("Report")
    .Does(() => Summarize(parameters, stopwatch.Elapsed));

Task("References")
    .Description("Runs the whole profile into a clean scratch/references/ and replaces references/<profile>/ with it (tree must be clean; cells name HEAD).")
    .IsDependentOn("Build")
    .Does(() => RefreshReferences(parameters));

Task("Default").IsDependentOn("All");

RunTarget(parameters.Target);
