using EmbeddedEnsembles.Runtime;
using EEArtifacts.Benchmarks.Cli;

namespace EEArtifacts.Benchmarks.Tests.Cli;

public class BenchmarkOptionsTests
{
    [Fact]
    public void ParsesProfileOutputFiltersAndThreads()
    {
        var o = BenchmarkOptions.Parse(["--profile", "Quick", "--out", "some/dir", "--filter", "*Gemm*", "--filter", "*Inference*", "--threads", $"{Environment.ProcessorCount}"]);
        Assert.Same(BenchmarkProfile.Quick, o.Profile);
        Assert.Equal(Path.GetFullPath("some/dir"), o.OutputDirectory);
        Assert.Equal(["*Gemm*", "*Inference*"], o.Filters);
        Assert.Equal(Environment.ProcessorCount, o.Threads);
    }

    [Fact]
    public void ThreadsDefaultToOneAsEverywhereInTheProject() =>
        Assert.Equal(1, BenchmarkOptions.Parse(["--profile", "paper", "--out", "x"]).Threads);

    [Theory]
    [InlineData("missing --profile", "--out", "x")]
    [InlineData("missing --out", "--profile", "quick")]
    [InlineData("unknown profile 'fast'", "--profile", "fast", "--out", "x")]
    [InlineData("--threads must be a whole number from 1 to", "--profile", "quick", "--out", "x", "--threads", "0")]
    [InlineData("--threads must be a whole number from 1 to", "--profile", "quick", "--out", "x", "--threads", "two")]
    [InlineData("--threads must be a whole number from 1 to", "--profile", "quick", "--out", "x", "--threads", "2147483647")]
    [InlineData("--out needs a value", "--profile", "quick", "--out")]
    [InlineData("--profile needs a value", "--profile", "--out", "x")]
    [InlineData("unknown argument '--fast'", "--fast")]
    public void BadArgumentsGiveOneClearLine(string expected, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => BenchmarkOptions.Parse(args));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void BadArgumentsExitWithTwo() => Assert.Equal(2, BenchmarkApp.Run(["--profile", "nope", "--out", "x"]));

    [Fact]
    public void FiltersUseGlobsOverTheFullName()
    {
        Assert.True(BenchmarkApp.Matches([], "anything"));
        Assert.True(BenchmarkApp.Matches(["*memory*"], "EEArtifacts.Benchmarks.Memory.NativeMemory"));
        Assert.False(BenchmarkApp.Matches(["*Gemm*"], "EEArtifacts.Benchmarks.Memory.NativeMemory"));
    }

    [Fact]
    public void QuickGridIsSmallAndPaperGridContainsIt()
    {
        Assert.Equal([64, 256, 1024], BenchmarkProfile.Quick.Widths);
        Assert.All(BenchmarkProfile.Quick.Members, m => Assert.True(m <= 16));
        Assert.True(BenchmarkProfile.Quick.ShortJobs);
        Assert.False(BenchmarkProfile.Paper.ShortJobs);
        Assert.Subset(BenchmarkProfile.Paper.Widths.ToHashSet(), BenchmarkProfile.Quick.Widths.ToHashSet());
    }

    [Fact]
    public void QuickJobIsShortAndInProcess()
    {
        var job = BenchmarkConfig.JobOf(BenchmarkProfile.Quick);
        Assert.Equal(5, job.Run.IterationCount);
        Assert.Equal(2, job.Run.WarmupCount);
        Assert.Equal(1, job.Run.LaunchCount);
        Assert.Contains("InProcess", job.Infrastructure.Toolchain!.GetType().Name, StringComparison.Ordinal);
    }
}

public class OpenMpPolicyTests
{
    [Fact]
    public void SetsTheNativeEnvironmentThatNativeLibrariesRead()
    {
        OpenMpPolicy.Set("EE_BENCH_TEST_VARIABLE", "x1");
        Assert.Equal("x1", OpenMpPolicy.Get("EE_BENCH_TEST_VARIABLE"));
        Assert.Equal("x1", Environment.GetEnvironmentVariable("EE_BENCH_TEST_VARIABLE"));
        Assert.Null(OpenMpPolicy.Get("EE_BENCH_TEST_VARIABLE_NEVER_SET"));
    }

    [Fact]
    public void KeepsAPolicyTheCallerChose()
    {
        string? before = OpenMpPolicy.Get(OpenMpPolicy.Variable);
        (string value, bool fromCaller) = OpenMpPolicy.EnsurePassiveUnlessSet();
        Assert.Equal(string.IsNullOrEmpty(before) ? "PASSIVE" : before, value);
        Assert.Equal(!string.IsNullOrEmpty(before), fromCaller);
        Assert.Equal(value, OpenMpPolicy.Get(OpenMpPolicy.Variable));
    }
}
