namespace EEArtifacts.Experiments.Data;

/// <summary>The real image data sets the experiments can use.</summary>
public enum StandardDataset
{
    /// <summary>MNIST handwritten digits: 60,000 train and 10,000 test images, 1x28x28, 10 classes.</summary>
    Mnist,
    /// <summary>Fashion-MNIST (Zalando): 60,000 train and 10,000 test images, 1x28x28, 10 classes.</summary>
    FashionMnist,
    /// <summary>CIFAR-10 (binary version): 50,000 train and 10,000 test images, 3x32x32, 10 classes.</summary>
    Cifar10,
}

/// <summary>How a data set's files are laid out, which decides the reader.</summary>
public enum DatasetFormat
{
    /// <summary>Four gzip-compressed IDX files: train images, train labels, test images, test labels.</summary>
    IdxGzip,
    /// <summary>One .tar.gz holding data_batch_1..5.bin and test_batch.bin of 3073-byte records.</summary>
    CifarBinaryTarGz,
}

/// <summary>One file of a data set, as it must be on disk before use.</summary>
/// <param name="FileName">The file's name in the data set folder (no directories).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole file.</param>
/// <param name="Size">The file's size in bytes, when known (checked before use; null skips the size check).</param>
/// <param name="Urls">Where to download it from, tried in order.</param>
public sealed record DatasetFile(string FileName, string Sha256, long? Size, IReadOnlyList<Uri> Urls)
{
    /// <summary>A file with no download source (for files the user must place themselves, and for tests).</summary>
    public DatasetFile(string fileName, string sha256, long? size = null)
        : this(fileName, sha256, size, Array.Empty<Uri>())
    {
    }
}

/// <summary>
/// What a data set is: its name (also its cache folder's name), format, files with checksums, and expected sizes.
/// For <see cref="DatasetFormat.IdxGzip"/> the files are, in order: train images, train labels, test images, test
/// labels. For <see cref="DatasetFormat.CifarBinaryTarGz"/> there is one file, the archive.
/// </summary>
/// <param name="Dataset">Which data set.</param>
/// <param name="Name">Short lower-case name ("mnist", "fashion-mnist", "cifar10").</param>
/// <param name="Format">The file layout.</param>
/// <param name="Files">The files, in the order the format expects.</param>
/// <param name="TrainSize">Expected training examples, or null to accept any count.</param>
/// <param name="TestSize">Expected test examples, or null to accept any count.</param>
public sealed record DatasetDescription(
    StandardDataset Dataset,
    string Name,
    DatasetFormat Format,
    IReadOnlyList<DatasetFile> Files,
    int? TrainSize,
    int? TestSize)
{
    /// <summary>Classes of every standard data set here.</summary>
    public int Classes => 10;

    /// <summary>The shape of one image: [1, 28, 28] or [3, 32, 32].</summary>
    public IReadOnlyList<long> ImageShape => Format == DatasetFormat.IdxGzip ? new long[] { 1, 28, 28 } : new long[] { 3, 32, 32 };
}

/// <summary>
/// The table of data sets and their canonical files. <see cref="Canonical"/> is the real one; tests build their own
/// table (same names and formats, their own small files and checksums) with <see cref="With"/>.
/// </summary>
public sealed class DatasetCatalog
{
    // Canonical SHA-256 checksums and sizes of the compressed files, from tensorflow/datasets'
    // registered download checksums (tensorflow_datasets/url_checksums/mnist.txt, fashion_mnist.txt and
    // cifar10.txt: url, size, sha256), cross-checked against several independent projects that pin the same
    // values (e.g. download scripts and dataset loaders for MNIST, Fashion-MNIST and cifar-10-binary.tar.gz).
    // torchvision lists MD5 only (MNIST f68b3c2d..., 9fb629c4..., ...; CIFAR-10 binary c32a1d4ab5d03f1284b67883e8d87530).
    private static readonly Uri[] MnistMirrors =
    {
        new("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new("https://storage.googleapis.com/cvdf-datasets/mnist/"),
    };

    private static readonly Uri[] FashionMnistMirrors =
    {
        new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        new("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    };

    private static readonly Uri[] CifarMirrors =
    {
        new("https://www.cs.toronto.edu/~kriz/"),
    };

    private static readonly (StandardDataset Dataset, string File, long Size, string Sha256)[] CanonicalTable =
    {
        (StandardDataset.Mnist, "train-images-idx3-ubyte.gz", 9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        (StandardDataset.Mnist, "train-labels-idx1-ubyte.gz", 28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        (StandardDataset.Mnist, "t10k-images-idx3-ubyte.gz", 1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        (StandardDataset.Mnist, "t10k-labels-idx1-ubyte.gz", 4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        (StandardDataset.FashionMnist, "train-images-idx3-ubyte.gz", 26_421_880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
        (StandardDataset.FashionMnist, "train-labels-idx1-ubyte.gz", 29_515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
        (StandardDataset.FashionMnist, "t10k-images-idx3-ubyte.gz", 4_422_102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
        (StandardDataset.FashionMnist, "t10k-labels-idx1-ubyte.gz", 5_148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        (StandardDataset.Cifar10, "cifar-10-binary.tar.gz", 170_052_171, "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"),
    };

    private readonly IReadOnlyDictionary<StandardDataset, DatasetDescription> _descriptions;

    private DatasetCatalog(IReadOnlyDictionary<StandardDataset, DatasetDescription> descriptions) => _descriptions = descriptions;

    /// <summary>The real data sets with their canonical checksums, sizes and download sources.</summary>
    public static DatasetCatalog Canonical { get; } = BuildCanonical();

    /// <summary>The names that <see cref="Parse"/> accepts, one per data set.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "mnist", "fashion-mnist", "cifar10" };

    /// <summary>The description of one data set.</summary>
    public DatasetDescription this[StandardDataset dataset] =>
        _descriptions.TryGetValue(dataset, out DatasetDescription? d)
            ? d
            : throw new DatasetException($"data set {dataset} is not in this catalog");

    /// <summary>The short name of a data set ("mnist", "fashion-mnist", "cifar10").</summary>
    public static string NameOf(StandardDataset dataset) => dataset switch
    {
        StandardDataset.Mnist => "mnist",
        StandardDataset.FashionMnist => "fashion-mnist",
        StandardDataset.Cifar10 => "cifar10",
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "unknown data set"),
    };

    /// <summary>Parses "mnist", "fashion-mnist" (or "fashion_mnist", "fashionmnist") and "cifar10" (or "cifar-10").</summary>
    public static StandardDataset Parse(string name) =>
        name.Trim().ToLowerInvariant().Replace("_", "-", StringComparison.Ordinal) switch
        {
            "mnist" => StandardDataset.Mnist,
            "fashion-mnist" or "fashionmnist" => StandardDataset.FashionMnist,
            "cifar10" or "cifar-10" => StandardDataset.Cifar10,
            _ => throw new DatasetException($"unknown data set '{name}': use {string.Join(", ", Names)}"),
        };

    /// <summary>
    /// A copy of this catalog where <paramref name="dataset"/> has the given files (same order and names as the
    /// format expects) and expected sizes (null accepts any count). Tests use this to verify their own small files.
    /// </summary>
    public DatasetCatalog With(StandardDataset dataset, IReadOnlyList<DatasetFile> files, int? trainSize = null, int? testSize = null)
    {
        DatasetDescription old = this[dataset];
        if (files.Count != old.Files.Count)
        {
            throw new ArgumentException($"{old.Name} has {old.Files.Count} files, got {files.Count}", nameof(files));
        }
        var copy = new Dictionary<StandardDataset, DatasetDescription>(_descriptions)
        {
            [dataset] = old with { Files = files.ToArray(), TrainSize = trainSize, TestSize = testSize },
        };
        return new DatasetCatalog(copy);
    }

    private static DatasetCatalog BuildCanonical()
    {
        DatasetFile File(StandardDataset dataset, string name, Uri[] mirrors)
        {
            var row = CanonicalTable.Single(r => r.Dataset == dataset && r.File == name);
            return new DatasetFile(name, row.Sha256, row.Size, mirrors.Select(m => new Uri(m, name)).ToArray());
        }
        DatasetDescription Idx(StandardDataset dataset, Uri[] mirrors) => new(
            dataset,
            NameOf(dataset),
            DatasetFormat.IdxGzip,
            new[]
            {
                File(dataset, "train-images-idx3-ubyte.gz", mirrors),
                File(dataset, "train-labels-idx1-ubyte.gz", mirrors),
                File(dataset, "t10k-images-idx3-ubyte.gz", mirrors),
                File(dataset, "t10k-labels-idx1-ubyte.gz", mirrors),
            },
            60_000,
            10_000);
        var all = new Dictionary<StandardDataset, DatasetDescription>
        {
            [StandardDataset.Mnist] = Idx(StandardDataset.Mnist, MnistMirrors),
            [StandardDataset.FashionMnist] = Idx(StandardDataset.FashionMnist, FashionMnistMirrors),
            [StandardDataset.Cifar10] = new(
                StandardDataset.Cifar10,
                NameOf(StandardDataset.Cifar10),
                DatasetFormat.CifarBinaryTarGz,
                new[] { File(StandardDataset.Cifar10, "cifar-10-binary.tar.gz", CifarMirrors) },
                50_000,
                10_000),
        };
        return new DatasetCatalog(all);
    }
}
