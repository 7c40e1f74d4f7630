using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using EEArtifacts.Experiments.Cli;
using EmbeddedEnsembles.Kernels.Theory;
using EmbeddedEnsembles.Descriptions;

namespace EEArtifacts.Experiments.Tests.Cli;

/// <summary>The `kernels` command: bounds checked before the work, one line per bad input, JSON and .npy outputs.</summary>
public sealed class KernelsCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ee-kernels-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReportSerializesToJson()
    {
        double[,] x = { { 0.3, -1 }, { 1, 0.5 }, { -0.2, 0.8 } };
        EnsembleKernels k = AnalyticKernels.Compute(new MlpSpec { InputDim = 2, Depth = 2 }, x);
        string json = JsonSerializer.Serialize(KernelReport.From(k, x));
        KernelReport? back = JsonSerializer.Deserialize<KernelReport>(json);
        Assert.NotNull(back);
        Assert.Equal(k.NtkSharedSame[1, 2], back.NtkSharedSame[1][2]);
        Assert.Equal("BatchEnsemble", back.Family);
    }

    [Theory]
    [InlineData("1e200,1\n", "too large", 2)]
    [InlineData("1e300\n0.5\n", "too large", 2)]
    [InlineData("", "the file is empty", 2)]
    [InlineData("1,2\n3\n", "row 2 has 1 numbers, row 1 has 2", 2)]
    public void BadInputFilesFailInOneLineBeforeTheWork(string csv, string message, int code)
    {
        string inputs = Write("x.csv", csv);
        string output = Path.Combine(_root, "k.json");
        var (exit, _, err) = CliProcess.Run("kernels", "--inputs", inputs, "--out", output);
        Assert.Equal(code, exit);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void HugeInputsWithTargetsFailInOneLine()
    {
        string inputs = Write("x.csv", "1e300\n0.5\n");
        string targets = Write("y.txt", "1\n");
        var (exit, _, err) = CliProcess.Run("kernels", "--inputs", inputs, "--targets", targets);
        Assert.Equal(2, exit);
        Assert.Contains("too large", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("ensemble size M must be >= 1", "--members", "0")]
    [InlineData("depth must be >= 1", "--depth", "0")]
    [InlineData("sigma_w must be a finite positive number", "--sigma-w", "-1")]
    [InlineData("sigma_b must be a finite number >= 0", "--sigma-b", "-1")]
    [InlineData("--empirical-width must be at least 1", "--empirical-width", "0")]
    [InlineData("--time must be a number >= 0", "--time", "-1")]
    [InlineData("unknown format 'xml'", "--format", "xml")]
    [InlineData("--threads must be between 1 and", "--threads", "0")]
    public void RangeErrorsAreOneLine(string message, string option, string value)
    {
        string inputs = Write("x.csv", "0.5,1\n");
        var (exit, _, err) = CliProcess.Run("kernels", "--inputs", inputs, option, value);
        Assert.Equal(2, exit);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void OversizedWorkIsRefusedBeforeItStarts()
    {
        // 5,000 rows: ~3.8 GB of JSON text, more than one JSON text holds; a width of 1e8: ~1e9 GB of weights.
        var rows = new StringBuilder();
        for (int i = 0; i < 5000; i++) rows.Append(CultureInfoFree(i)).Append('\n');
        string big = Write("big.csv", rows.ToString());
        var (exit, _, err) = CliProcess.Run("kernels", "--inputs", big);
        Assert.Equal(2, exit);
        Assert.Contains("use --format npy", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));

        string small = Write("x.csv", "0.5,1\n");
        (exit, _, err) = CliProcess.Run("kernels", "--inputs", small, "--empirical-width", "100000000");
        Assert.Equal(2, exit);
        Assert.Contains("--empirical-width 100000000 would need about", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    private static string CultureInfoFree(int i) => $"{i % 7}.25,{i % 3}";

    [Fact]
    public void OutFolderIsRefusedBeforeTheWorkAndLeavesNothing()
    {
        string inputs = Write("x.csv", "0.5,1\n");
        string folder = Directory.CreateDirectory(Path.Combine(_root, "out")).FullName;
        var (exit, _, err) = CliProcess.Run("kernels", "--inputs", inputs, "--out", folder);
        Assert.Equal(2, exit);
        Assert.Contains("is a folder", err);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        Assert.Empty(Directory.GetFileSystemEntries(_root, "*.partial*"));
    }

    [Fact]
    public void McDropoutDefaultsFitTheFamily()
    {
        string inputs = Write("x.csv", "0.5,1\n-1,2\n");
        var (exit, output, err) = CliProcess.Run("kernels", "--inputs", inputs, "--family", "mc-dropout");
        Assert.True(exit == 0, err);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal("bernoulli(0.5)", doc.RootElement.GetProperty("analytic").GetProperty("u_law").GetString());
        Assert.Equal("const(1)", doc.RootElement.GetProperty("analytic").GetProperty("v_law").GetString());
    }

    [Fact]
    public void NpyOutputHoldsTheSameMatricesAsJson()
    {
        string inputs = Write("x.csv", "0.5,1,0\n-1,2,0.25\n0.3,0.3,-2\n");
        string json = Path.Combine(_root, "k.json"), folder = Path.Combine(_root, "npy");
        var (exit, _, err) = CliProcess.Run("kernels", "--inputs", inputs, "--out", json);
        Assert.True(exit == 0, err);
        (exit, _, err) = CliProcess.Run("kernels", "--inputs", inputs, "--format", "npy", "--out", folder);
        Assert.True(exit == 0, err);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement expected = doc.RootElement.GetProperty("analytic").GetProperty("ntk_shared_same");
        byte[] npy = File.ReadAllBytes(Path.Combine(folder, "ntk_shared_same.npy"));
        Assert.Equal(0x93, npy[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(npy, 1, 5));
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(npy.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(npy, 10, headerLength);
        Assert.Contains("'descr': '<f8', 'fortran_order': False, 'shape': (3, 3)", header);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double value = BinaryPrimitives.ReadDoubleLittleEndian(npy.AsSpan(10 + headerLength + 8 * (3 * i + j)));
                Assert.Equal(expected[i][j].GetDouble(), value);
            }
        }
        Assert.True(File.Exists(Path.Combine(folder, "kernels.json")));
        // Each kernel's per-entry error bounds beside it, and their maxima (relative) in both JSON outputs.
        foreach (string name in new[] { "nngp_same", "nngp_cross", "ntk_shared_same", "ntk_shared_cross", "ntk_member" })
        {
            Assert.True(File.Exists(Path.Combine(folder, name + "_error.npy")), name);
            double bound = doc.RootElement.GetProperty("analytic").GetProperty("error_bounds").GetProperty(name).GetDouble();
            Assert.InRange(bound, name.Contains("cross", StringComparison.Ordinal) ? 0 : 1e-18, 1e-12); // ReLU in closed form: rounding only (sign(1): no cross terms)
        }
        using JsonDocument settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "kernels.json")));
        Assert.Equal(doc.RootElement.GetProperty("analytic").GetProperty("error_bounds").GetRawText(),
            settings.RootElement.GetProperty("analytic").GetProperty("error_bounds").GetRawText());
        Assert.Empty(Directory.GetFileSystemEntries(_root, "*.partial*"));
        // A second run into the same folder is refused: --format npy writes a new folder.
        (exit, _, err) = CliProcess.Run("kernels", "--inputs", inputs, "--format", "npy", "--out", folder);
        Assert.Equal(2, exit);
        Assert.Contains("already exists", err);
    }
}
