using System.Diagnostics;
using EEArtifacts.Experiments.Data;

namespace EEArtifacts.Experiments.Tests.Data;

/// <summary>
/// A data file is checked for type and size before it is hashed, also when the table knows no size (user-placed
/// files): a FIFO returns one line promptly instead of blocking, an oversized sparse file is refused unread. The
/// README's bad-input table runs the same cases through the CLI for files of known size.
/// </summary>
public sealed class DataFileCheckTests : IDisposable
{
    private const string Archive = "cifar-10-binary.tar.gz";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ee-data-check-" + Guid.NewGuid().ToString("N"));

    public DataFileCheckTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // CIFAR-10 has one file; this table gives it no known size.
    private static DatasetLoadOptions NoKnownSize() => new()
    {
        Catalog = DatasetCatalog.Canonical.With(StandardDataset.Cifar10, [new DatasetFile(Archive, new string('0', 64))]),
    };

    private DatasetException PrepareFails()
    {
        Task<DatasetException> attempt = Task.Run(() => Assert.Throws<DatasetException>(
            () => DatasetStore.Prepare(StandardDataset.Cifar10, _folder, allowDownload: false, options: NoKnownSize())));
        Assert.True(attempt.Wait(TimeSpan.FromSeconds(30)), "the check blocked on the file");
        return attempt.Result;
    }

    [Fact]
    public void AFifoOfUnknownSizeIsOneLinePromptly()
    {
        using (Process mkfifo = Process.Start("mkfifo", Path.Combine(_folder, Archive)))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        DatasetException e = PrepareFails();

        Assert.Contains("is not a regular file but a FIFO", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AnOversizedSparseFileOfUnknownSizeIsRefusedBeforeHashing()
    {
        using (var file = new FileStream(Path.Combine(_folder, Archive), FileMode.CreateNew))
        {
            file.SetLength(DataFileCheck.MaxUnknownSize + 1); // sparse: no data blocks written
        }

        DatasetException e = PrepareFails(); // hashing would have ended in a checksum mismatch instead

        Assert.Contains($"has {DataFileCheck.MaxUnknownSize + 1} bytes, more than the", e.Message);
    }
}
