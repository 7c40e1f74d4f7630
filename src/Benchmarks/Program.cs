using EEArtifacts.Benchmarks;
using EEArtifacts.Benchmarks.Cli;

return BenchmarkApp.Run(args);
