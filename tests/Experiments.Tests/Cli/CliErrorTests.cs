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

    [Theory]
    [InlineData("--steps must be at least 1", "cost", "--steps", "0")]
    [InlineData("unknown profile 'huge'", "cost", "--profile", "huge")]
    [InlineData("--max-step-gflop must be a positive number", "cost", "--max-step-gflop", "-1")]
    public void BadCostArgumentsFailInOneLineAndWriteNothing(string message, params string[] args)
    {
        string outFile = Path.Combine(_root, "cost.json");
        var (code, _, err) = CliProcess.Run(args.Concat(new[] { "--out", outFile }).ToArray());
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(outFile));
    }

    [Fact]
    public void CostOfTheSmokeProfileSumsItsTrainingCells()
    {
        Directory.CreateDirectory(_root);
        string outFile = Path.Combine(_root, "cost.json");
        var (code, output, _) = CliProcess.Run("cost", "--profile", "smoke", "--device", "cpu", "--steps", "1", "--out", outFile);
        Assert.Equal(0, code);
        Assert.Contains("total                    40        1,716", output); // 18 + 8 + 6 + 3 + 5 cells; epochs x 32 batches of 64 of 2048, and E8 1 epoch x 4 batches of its 256
        string json = File.ReadAllText(outFile);
        Assert.Contains("\"experiment\": \"total\"", json);
        Assert.Contains("\"measured\": true", json);
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

/// <summary>The paper profile needs real data sets: missing or corrupt files stop the run before any work.</summary>
public sealed class CliDatasetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ee-cli-data-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void AMissingDatasetOfflineNamesTheFilesAndWritesNothing()
    {
        string data = Path.Combine(_root, "data"), outFolder = Path.Combine(_root, "out");
        Directory.CreateDirectory(data);
        var (code, _, err) = CliProcess.Run("run", "--profile", "paper", "--only", "regimes", "--device", "cpu", "--data", data, "--out", outFolder);
        Assert.Equal(2, code);
        Assert.Contains("train-images-idx3-ubyte.gz", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(outFolder));
    }

    [Fact]
    public void ACorruptDatasetFileIsNamedWithItsChecksumMismatch()
    {
        string mnist = Path.Combine(_root, "data", "mnist"), outFolder = Path.Combine(_root, "out");
        Directory.CreateDirectory(mnist);
        foreach (string name in new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" })
        {
            File.WriteAllText(Path.Combine(mnist, name), "not the real file");
        }
        var (code, _, err) = CliProcess.Run("run", "--profile", "paper", "--only", "regimes", "--device", "cpu", "--data", Path.Combine(_root, "data"), "--out", outFolder);
        Assert.Equal(2, code);
        Assert.Contains("ubyte.gz", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(outFolder));
    }
}
