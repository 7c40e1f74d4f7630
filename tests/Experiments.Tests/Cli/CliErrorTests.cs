namespace EEArtifacts.Experiments.Tests.Cli;

/// <summary>Bad input gives one clear line on stderr, exit code 2, and writes nothing.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("unknown experiment 'nope'", "run", "--only", "nope")]
    [InlineData("unknown profile 'huge'", "run", "--profile", "huge")]
    [InlineData("bad shard '4/3'", "run", "--shard", "4/3")]
    [InlineData("bad shard 'x'", "run", "--shard", "x")]
    [InlineData("unknown device 'tpu'", "run", "--device", "tpu")]
    public void BadRunArgumentsFailInOneLineAndWriteNothing(string message, params string[] args)
    {
        string outFolder = Path.Combine(_root, "out");
        var (code, _, err) = CliProcess.Run(args.Concat(new[] { "--out", outFolder }).ToArray());
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void AnUnwritableOutputFolderFailsInOneLine()
    {
        Directory.CreateDirectory(_root);
        string file = Path.Combine(_root, "file");
        File.WriteAllText(file, "");
        var (code, _, err) = CliProcess.Run("run", "--profile", "smoke", "--out", Path.Combine(file, "sub"));
        Assert.Equal(2, code);
        Assert.Contains("not writable", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void ListNamesEveryExperimentWithItsClaim()
    {
        var (code, output, _) = CliProcess.Run("list");
        Assert.Equal(0, code);
        foreach (string name in new[] { "gp-init", "ntk-init", "regimes", "width-sweep", "param-scatter", "infinite-width", "hyperparameters" })
        {
            Assert.Contains(name, output);
        }
    }
}
