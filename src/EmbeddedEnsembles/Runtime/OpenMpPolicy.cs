using System.Runtime.InteropServices;

namespace EmbeddedEnsembles.Runtime;

/// <summary>
/// libtorch's CPU build runs its intra-op threads (and MKL's) on GNU OpenMP, whose idle threads spin by default.
/// On a machine shared with other busy processes (more runnable threads than cores), every parallel region then
/// waits for a descheduled spinning partner: measured here, a 256x256 GEMM on 2 threads fell from ~50-65 GFLOP/s
/// to 1-2 GFLOP/s and a 0.5 ms inference pass took 70-130 ms. OMP_WAIT_POLICY=PASSIVE (idle threads sleep) removes
/// that collapse at a cost of microseconds per parallel region. libgomp reads the variable once, when libtorch is
/// loaded, so it is set in the native environment before the first torch call, unless the caller already set it.
/// </summary>
public static class OpenMpPolicy
{
    /// <summary>The variable.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE unless it is set; returns the value in effect and whether it came from the caller.</summary>
    public static (string Value, bool FromCaller) EnsurePassiveUnlessSet()
    {
        string? existing = Get(Variable);
        if (!string.IsNullOrEmpty(existing))
        {
            return (existing, true);
        }
        Set(Variable, "PASSIVE");
        return ("PASSIVE", false);
    }

    /// <summary>The native (libc) environment's value of <paramref name="name"/>, or null.</summary>
    public static string? Get(string name) => Marshal.PtrToStringUTF8(getenv(name));

    /// <summary>Sets <paramref name="name"/> in the native (libc) environment, which native libraries read.</summary>
    public static void Set(string name, string value)
    {
        if (setenv(name, value, 1) != 0)
        {
            throw new InvalidOperationException($"setenv({name}) failed");
        }
        Environment.SetEnvironmentVariable(name, value);
    }

#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
#pragma warning restore SYSLIB1054
}
