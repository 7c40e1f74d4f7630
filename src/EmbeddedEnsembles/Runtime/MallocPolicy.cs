using System.Runtime.InteropServices;

namespace EmbeddedEnsembles.Runtime;

/// <summary>
/// glibc malloc's thresholds for a training process. libtorch takes every tensor's storage from malloc. By default
/// glibc raises its mmap threshold to the largest block freed so far and its trim threshold to twice that, so a
/// step that frees a few blocks of activations at the top of the heap hands them back to the kernel, and the next
/// step faults them in again: `perf` at width 256, M = 4 (one thread) found 8-10% of the process's samples in the
/// kernel (page faults, zeroing and unmapping pages), 3-4% with the thresholds below. Paired runs on a quiet machine:
/// the step at width 256, M = 16 took 0.85-0.91 of the default's time (single network) and 0.77-0.93 (BatchEnsemble);
/// at M = 4 (widths 64 and 256) the two are level. A 32 MiB mmap threshold (glibc's largest) keeps activations in
/// the heap; a 512 MiB trim threshold keeps freed heap memory resident for the next step (peak resident memory rose
/// by 0.5-7 MB at the benchmark's shapes). It changes where tensors live, not what they hold: results keep their
/// bits. Set once, in-process (glibc reads GLIBC_TUNABLES only at start-up), unless the caller's GLIBC_TUNABLES
/// already sets a glibc.malloc tunable, which is then left in charge.
/// </summary>
public static class MallocPolicy
{
    /// <summary>glibc's M_MMAP_THRESHOLD value: blocks below it come from the heap.</summary>
    public const int MmapThresholdBytes = 32 * 1024 * 1024;

    /// <summary>glibc's M_TRIM_THRESHOLD value: free memory at the heap's top above it goes back to the kernel.</summary>
    public const int TrimThresholdBytes = 512 * 1024 * 1024;

    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;
    private static string? _applied;

    /// <summary>What <see cref="EnsureSet"/> put in effect, or null before its first call.</summary>
    public static string? Applied => _applied;

    /// <summary>
    /// Sets the thresholds (first call only) and says what is in effect: "mmap 33554432, trim 536870912",
    /// "caller: GLIBC_TUNABLES=...", or "default (not glibc)" where there is no glibc.
    /// </summary>
    public static string EnsureSet()
    {
        if (_applied is not null)
        {
            return _applied;
        }
        string? tunables = OpenMpPolicy.Get("GLIBC_TUNABLES");
        if (tunables is not null && tunables.Contains("glibc.malloc.", StringComparison.Ordinal))
        {
            _applied = $"caller: GLIBC_TUNABLES={tunables}";
        }
        else if (!OperatingSystem.IsLinux() || !IsGlibc())
        {
            _applied = "default (not glibc)";
        }
        else if (mallopt(MMmapThreshold, MmapThresholdBytes) != 1 || mallopt(MTrimThreshold, TrimThresholdBytes) != 1)
        {
            throw new InvalidOperationException("glibc mallopt refused the mmap/trim thresholds");
        }
        else
        {
            _applied = $"mmap {MmapThresholdBytes}, trim {TrimThresholdBytes}";
        }
        return _applied;
    }

    private static bool IsGlibc()
    {
        try
        {
            return Marshal.PtrToStringUTF8(gnu_get_libc_version()) is not null;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr gnu_get_libc_version();
#pragma warning restore SYSLIB1054
}
