using System.Net;
using EEArtifacts.Experiments.Data;
using static EEArtifacts.Experiments.Tests.Data.DataTestFiles;

namespace EEArtifacts.Experiments.Tests.Data;

/// <summary>Downloads through a fake HTTP handler: no network is touched.</summary>
public sealed class DownloadTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private sealed class FakeServer : HttpMessageHandler
    {
        public Dictionary<string, byte[]> Files { get; } = new();
        public List<string> Requests { get; } = new();

        /// <summary>Called after each file is sent, to look at the folder while the .part file exists.</summary>
        public Func<byte[], byte[]> Mangle { get; set; } = b => b;

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string url = request.RequestUri!.ToString();
            Requests.Add(url);
            if (!Files.TryGetValue(url, out byte[]? body))
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound) { ReasonPhrase = "Not Found" };
            }
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Mangle(body)) };
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }

    /// <summary>Builds MNIST-style files in a source folder, a catalog pointing at fake URLs, and the server.</summary>
    private (DatasetCatalog Catalog, FakeServer Server, IdxSet Set) Serve(params Uri[] mirrors)
    {
        string source = _temp.Sub("source");
        IdxSet set = SmallIdxSet();
        WriteIdx(source, set);
        var server = new FakeServer();
        var files = new List<DatasetFile>();
        foreach (string name in new[] { TrainImages, TrainLabels, TestImages, TestLabels })
        {
            string path = Path.Combine(source, name);
            files.Add(FileEntry(path, mirrors.Select(m => new Uri(m, name)).ToArray()));
            server.Files[new Uri(mirrors[^1], name).ToString()] = File.ReadAllBytes(path);
        }
        return (DatasetCatalog.Canonical.With(StandardDataset.Mnist, files), server, set);
    }

    [Fact]
    public void MissingFilesAreDownloadedVerifiedAndRenamed()
    {
        var (catalog, server, set) = Serve(new Uri("https://dead.example/mnist/"), new Uri("https://mirror.example/mnist/"));
        string folder = Path.Combine(_temp.Root, "cache", "mnist");
        var reports = new List<DatasetProgress>();

        using TaskData task = DatasetStore.Load(StandardDataset.Mnist, folder, allowDownload: true, new SyncProgress(reports),
            new DatasetLoadOptions { Catalog = catalog, HttpHandler = server });

        Assert.Equal(Scaled(set.TrainPixels), task.TrainX.data<float>().ToArray());
        Assert.Equal(new[] { TestImages, TestLabels, TrainImages, TrainLabels }, Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(8, server.Requests.Count); // each file: the dead mirror first, then the good one
        Assert.Contains(reports, r => r.Stage == DatasetStage.Downloading && r.File == TrainImages && r.Done == r.Total);

        // A second load finds everything in place and asks the network nothing.
        server.Requests.Clear();
        using TaskData again = DatasetStore.Load(StandardDataset.Mnist, folder, true, null, new DatasetLoadOptions { Catalog = catalog, HttpHandler = server });
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void CorruptDownloadIsNeverTakenAsComplete()
    {
        var (catalog, server, _) = Serve(new Uri("https://mirror.example/mnist/"));
        server.Mangle = b =>
        {
            byte[] copy = b.ToArray();
            copy[^5] ^= 0xFF;
            return copy;
        };
        string folder = Path.Combine(_temp.Root, "mnist");

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, true, null,
            new DatasetLoadOptions { Catalog = catalog, HttpHandler = server }));

        Assert.StartsWith($"could not download {TrainImages} into {folder} (https://mirror.example/mnist/{TrainImages}: downloaded ", e.Message);
        Assert.Contains($"expected {catalog[StandardDataset.Mnist].Files[0].Sha256}", e.Message);
        Assert.Empty(Directory.GetFiles(folder)); // neither the file nor its .part remain
    }

    [Fact]
    public void TruncatedDownloadIsNeverTakenAsComplete()
    {
        var (catalog, server, _) = Serve(new Uri("https://mirror.example/mnist/"));
        server.Mangle = b => b[..(b.Length / 2)];
        string folder = Path.Combine(_temp.Root, "mnist");

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, true, null,
            new DatasetLoadOptions { Catalog = catalog, HttpHandler = server }));

        Assert.Contains("the server announced", e.Message);
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public void UnreachableServerGivesOneLineNamingEveryUrlTried()
    {
        var (catalog, server, _) = Serve(new Uri("https://a.example/m/"), new Uri("https://b.example/m/"));
        server.Files.Clear();
        string folder = Path.Combine(_temp.Root, "mnist");

        var e = Assert.Throws<DatasetException>(() => DatasetStore.Load(StandardDataset.Mnist, folder, true, null,
            new DatasetLoadOptions { Catalog = catalog, HttpHandler = server }));

        Assert.Equal(
            $"could not download {TrainImages} into {folder} (https://a.example/m/{TrainImages}: HTTP 404 Not Found; " +
            $"https://b.example/m/{TrainImages}: HTTP 404 Not Found); place the file there yourself or check the network",
            e.Message);
    }

    [Fact]
    public void LeftoverPartFileIsOverwrittenByTheDownloadNotReused()
    {
        var (catalog, server, set) = Serve(new Uri("https://mirror.example/mnist/"));
        string folder = _temp.Sub("mnist");
        File.WriteAllBytes(Path.Combine(folder, TrainImages + ".part"), new byte[] { 1, 2, 3 });

        using TaskData task = DatasetStore.Load(StandardDataset.Mnist, folder, true, null, new DatasetLoadOptions { Catalog = catalog, HttpHandler = server });

        Assert.Equal(Scaled(set.TrainPixels), task.TrainX.data<float>().ToArray());
        Assert.False(File.Exists(Path.Combine(folder, TrainImages + ".part")));
    }
}
