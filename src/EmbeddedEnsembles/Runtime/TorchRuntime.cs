using EEArtifacts.Build;
using TorchSharp;

namespace EmbeddedEnsembles.Runtime;

/// <summary>Which device to compute on: the first available of CUDA and CPU, CPU only, or CUDA only.</summary>
public enum DeviceChoice
{
    /// <summary>CUDA when available, else CPU.</summary>
    Auto,
    /// <summary>CPU always.</summary>
    Cpu,
    /// <summary>CUDA, or an error when none is available.</summary>
    Cuda,
}

/// <summary>What <see cref="TorchRuntime.Initialize"/> settled on, for provenance.</summary>
/// <param name="Device">The torch device every tensor goes to.</param>
/// <param name="Threads">The CPU intra-op thread count.</param>
/// <param name="TorchSharpVersion">The TorchSharp assembly version.</param>
/// <param name="Backend">"cpu" or "cuda": the libtorch build that loaded.</param>
public sealed record RuntimeInfo(torch.Device Device, int Threads, string TorchSharpVersion, string Backend)
{
    /// <summary>The device as a short name ("cpu", "cuda:0").</summary>
    public string DeviceName => Device.ToString();
}

/// <summary>
/// The one place that loads libtorch, decides the device, sets the CPU thread count and seeds generators.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The oneMKL variable that pins its code path (conditional numerical reproducibility).</summary>
    public const string MklPathVariable = "MKL_CBWR";

    /// <summary>
    /// Default CPU thread count: 1. The project's models are small, so time goes to per-op overhead; measured on the
    /// 2-core build machines, a second intra-op thread made training cells 5-20x slower whenever another process
    /// shared the cores (OpenMP threads wait for each other). Pass more threads for large models.
    /// </summary>
    public static int DefaultThreads => 1;

    /// <summary>Parses "auto", "cpu" or "cuda" (case-insensitive).</summary>
    public static DeviceChoice ParseDevice(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => DeviceChoice.Auto,
        "cpu" => DeviceChoice.Cpu,
        "cuda" => DeviceChoice.Cuda,
        _ => throw new ArgumentException($"unknown device '{text}': use auto, cpu or cuda"),
    };

    /// <summary>
    /// Loads libtorch (explaining a failure in one line), picks the device and fixes the CPU thread count.
    /// </summary>
    public static RuntimeInfo Initialize(DeviceChoice choice = DeviceChoice.Auto, int? threads = null)
    {
        int threadCount = threads ?? DefaultThreads;
        if (threadCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threadCount, "thread count must be at least 1");
        }
        EnsureLoaded();
        torch.set_num_threads(threadCount);
        bool cuda = torch.cuda.is_available();
        if (choice == DeviceChoice.Cuda && !cuda)
        {
            throw new InvalidOperationException("device 'cuda' requested but CUDA is not available (build with -p:TorchBackend=cuda on a machine with an NVIDIA driver)");
        }
        torch.Device device = choice switch
        {
            DeviceChoice.Cpu => torch.CPU,
            DeviceChoice.Cuda => torch.CUDA,
            _ => cuda ? torch.CUDA : torch.CPU,
        };
        if (device.type == DeviceType.CUDA)
        {
            // TF32 changes float32 results between runs and cards; keep full precision.
            torch.backends.cuda.matmul.allow_tf32 = false;
            torch.backends.cudnn.allow_tf32 = false;
        }
        string version = typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        return new RuntimeInfo(device, torch.get_num_threads(), version, cuda ? "cuda" : "cpu");
    }

    /// <summary>Loads libtorch now (OpenMP threads set to sleep when idle, see <see cref="OpenMpPolicy"/>; malloc's thresholds, see
    /// <see cref="MallocPolicy"/>), or throws one line that names the real cause.</summary>
    public static void EnsureLoaded()
    {
        OpenMpPolicy.EnsurePassiveUnlessSet();
        MallocPolicy.EnsureSet();
        // oneMKL picks code paths by CPU model and memory alignment, which changed the last digits of the same
        // computation between runs here; a pinned branch gives repeatable bits. The host's best branch keeps full
        // GEMM speed (AVX2 cost 30-40% in GEMM rate on an Intel AVX-512 host, COMPATIBLE 5x); bits still differ between branches,
        // so the branch is part of the NumericEnvironment.
        if (string.IsNullOrEmpty(OpenMpPolicy.Get(MklPathVariable)))
        {
            OpenMpPolicy.Set(MklPathVariable, BestMklBranch(NumericEnvironment.IsaLevelOfHost()));
        }
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            throw new InvalidOperationException(DiagnoseLoadFailure(e), e);
        }
    }

    /// <summary>The oneMKL branch pinned for an ISA level (see <see cref="NumericEnvironment.IsaLevel"/>).</summary>
    public static string BestMklBranch(string isaLevel) => isaLevel switch
    {
        "avx512" => "AVX512",
        "avx2" => "AVX2",
        _ => "COMPATIBLE",
    };

    /// <summary>Seeds torch's global generator; every experiment seed passes through here.</summary>
    public static void Seed(long seed)
    {
        torch.manual_seed(seed);
        if (torch.cuda.is_available())
        {
            torch.cuda.manual_seed_all(seed);
        }
    }

    /// <summary>A new CPU generator seeded with <paramref name="seed"/>, for one purpose (init, masks, data order).</summary>
    public static torch.Generator Generator(long seed) => new torch.Generator((ulong)seed);

    private static string DiagnoseLoadFailure(Exception e)
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(native))
        {
            native = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        }
        if (OperatingSystem.IsLinux() && File.Exists(native)
            && GlibcxxRequirement.RequiresStrictly(File.ReadAllBytes(native)) && !GlibcxxRequirement.HostProvides())
        {
            return $"libtorch did not load: {native} needs {GlibcxxRequirement.Version}, which this system's libstdc++ lacks; " +
                   "build through this repository's projects (dotnet build/test/run mark it weak in the output) or install libstdc++ from GCC 13+.";
        }
        if (!File.Exists(native))
        {
            return $"libtorch did not load: libLibTorchSharp.so is not in {AppContext.BaseDirectory}; restore and build with the libtorch-cpu-linux-x64 (or -p:TorchBackend=cuda) package. ({e.Message})";
        }
        return $"libtorch did not load: {e.GetBaseException().Message}";
    }
}
