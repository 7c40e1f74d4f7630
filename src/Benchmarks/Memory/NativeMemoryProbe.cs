using System.Globalization;
using System.Runtime.InteropServices;

namespace EEArtifacts.Benchmarks.Memory;

/// <summary>
/// Measures native (libtorch) memory, which BenchmarkDotNet's MemoryDiagnoser cannot see. libtorch's CPU allocator
/// takes tensor storage from glibc malloc (posix_memalign), so the process's resident set follows live tensor bytes
/// once malloc is made to hand large blocks straight back to the kernel:
/// <list type="number">
/// <item><see cref="PinMallocToKernel"/> fixes glibc's mmap threshold at 64 KiB (every tensor of 16 Ki floats or
/// more gets its own mapping, unmapped on free; the dynamic threshold that would keep freed blocks in the heap is
/// switched off) and the trim threshold likewise, so freed storage leaves the resident set at once.</item>
/// <item><see cref="MeasurePeak"/> resets the kernel's high-water mark (write 5 to /proc/self/clear_refs; VmHWM
/// becomes the current VmRSS), runs the action, and returns VmHWM - VmRSS(before): the peak native bytes the
/// action added above the resting state, sampled by the kernel on every page fault, not by us at chosen points.</item>
/// <item>Before each measurement a full garbage collection and glibc malloc_trim(0) return the free memory malloc
/// still holds (kept from before the thresholds were fixed, or from blocks under them) to the kernel, so memory a
/// step reuses is faulted in again and counted.</item>
/// <item><see cref="MallocInUseBytes"/> (glibc mallinfo2: bytes in use in all arenas plus mmapped blocks) gives the
/// live bytes at a chosen point, e.g. after the forward pass.</item>
/// </list>
/// Limits, stated in the results: page granularity (4 KiB); blocks under 64 KiB come from malloc's arenas and may
/// reuse already-resident memory (the peak can then read low by at most those small blocks); MKL keeps its GEMM
/// packing buffers after the first call (resident before the measured step, so not counted); managed memory of
/// the step (small, TorchSharp's wrappers) is counted too. The setting stays for the rest of the process: run
/// memory measurements after the timings.
/// </summary>
public static class NativeMemoryProbe
{
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>The fixed mmap and trim threshold, bytes.</summary>
    public const int ThresholdBytes = 64 * 1024;

    /// <summary>Whether this process can measure (Linux with /proc and glibc).</summary>
    public static bool IsSupported { get; } = Probe();

    /// <summary>Makes glibc return every block of <see cref="ThresholdBytes"/> or more to the kernel when freed.</summary>
    public static void PinMallocToKernel()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("native memory measurement needs Linux with glibc and /proc");
        }
        if (mallopt(MMmapThreshold, ThresholdBytes) != 1 || mallopt(MTrimThreshold, ThresholdBytes) != 1)
        {
            throw new InvalidOperationException("glibc mallopt refused the mmap/trim thresholds");
        }
    }

    /// <summary>VmRSS, bytes.</summary>
    public static long ResidentBytes() => ReadStatus("VmRSS:");

    /// <summary>VmHWM (peak resident set since start or the last <see cref="ResetPeak"/>), bytes.</summary>
    public static long PeakResidentBytes() => ReadStatus("VmHWM:");

    /// <summary>Resets the kernel's peak resident set to the current resident set.</summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    /// <summary>Bytes malloc has handed out and not yet had back (all arenas plus mmapped blocks).</summary>
    public static long MallocInUseBytes()
    {
        MallInfo2 info = mallinfo2();
        return (long)(info.uordblks + info.hblkhd);
    }

    /// <summary>
    /// The peak resident bytes <paramref name="action"/> adds above the state before it: the median over
    /// <paramref name="repeats"/> runs (each preceded by a full garbage collection).
    /// </summary>
    public static long MeasurePeak(Action action, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(action);
        var peaks = new List<long>(repeats);
        for (int i = 0; i < repeats; i++)
        {
            Settle();
            long before = ResidentBytes();
            ResetPeak();
            action();
            peaks.Add(Math.Max(0, PeakResidentBytes() - before));
        }
        peaks.Sort();
        return peaks[peaks.Count / 2];
    }

    /// <summary>
    /// The malloc bytes still in use right after <paramref name="action"/> returns its result and before the
    /// result is disposed: e.g. a forward pass that keeps activations for backward. Median over repeats.
    /// </summary>
    public static long MeasureLive(Func<IDisposable> action, int repeats = 3)
    {
        ArgumentNullException.ThrowIfNull(action);
        var lives = new List<long>(repeats);
        for (int i = 0; i < repeats; i++)
        {
            Settle();
            long before = MallocInUseBytes();
            using IDisposable result = action();
            lives.Add(MallocInUseBytes() - before);
        }
        lives.Sort();
        return lives[lives.Count / 2];
    }

    // Full GC, then malloc_trim(0): free memory that malloc still holds from before the thresholds were fixed (or
    // from small blocks) is handed back, so a step that reuses it faults its pages in again and is counted.
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _ = malloc_trim(0);
    }

    private static long ReadStatus(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                string[] parts = line[key.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024; // "kB"
            }
        }
        throw new InvalidOperationException($"/proc/self/status has no {key}");
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/status") || !File.Exists("/proc/self/clear_refs"))
        {
            return false;
        }
        try
        {
            _ = mallinfo2();
            ResetPeak();
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

#pragma warning disable IDE1006, SYSLIB1054 // glibc's names; DllImport keeps the struct return simple
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 mallinfo2();
#pragma warning restore IDE1006, SYSLIB1054
}
