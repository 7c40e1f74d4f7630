using System.Runtime.Intrinsics.X86;

namespace EmbeddedEnsembles.Runtime;

/// <summary>
/// What decides the low bits of a CPU computation beyond the code and its inputs: the processor, the widest
/// instruction set both oneMKL and ATen dispatch on, the oneMKL branch and ATen kernel set in effect, the thread
/// count and the device. Two runs are promised byte-identical results only when these (and the library versions)
/// are equal; measured on AVX-512 hosts, another MKL branch or ATen capability changes the last digits.
/// </summary>
/// <param name="CpuVendor">/proc/cpuinfo vendor_id ("AuthenticAMD", "GenuineIntel"), or "unknown".</param>
/// <param name="CpuModel">/proc/cpuinfo model name, or "unknown".</param>
/// <param name="IsaLevel">"avx512" (F, BW, VL, DQ), "avx2" (with FMA) or "baseline".</param>
/// <param name="MklCbwr">oneMKL's branch (MKL_CBWR) in effect: the value libtorch loaded with.</param>
/// <param name="AtenCpuCapability">ATen's CPU kernel set: ATEN_CPU_CAPABILITY when set, else the one libtorch picks for <paramref name="IsaLevel"/>.</param>
/// <param name="Threads">CPU intra-op threads.</param>
/// <param name="Device">The torch device ("cpu", "cuda:0").</param>
public sealed record NumericEnvironment(string CpuVendor, string CpuModel, string IsaLevel, string MklCbwr, string AtenCpuCapability, int Threads, string Device)
{
    /// <summary>ATen's variable that overrides its kernel set.</summary>
    public const string AtenCapabilityVariable = "ATEN_CPU_CAPABILITY";

    /// <summary>The environment of this process; call after <see cref="TorchRuntime.Initialize"/>.</summary>
    public static NumericEnvironment Collect(RuntimeInfo runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        string isa = IsaLevelOfHost();
        string? aten = OpenMpPolicy.Get(AtenCapabilityVariable);
        return new NumericEnvironment(
            CpuInfo("vendor_id"),
            CpuInfo("model name"),
            isa,
            OpenMpPolicy.Get(TorchRuntime.MklPathVariable) ?? "unset",
            string.IsNullOrWhiteSpace(aten) ? AtenDefault(isa) : aten.Trim().ToLowerInvariant(),
            runtime.Threads,
            runtime.DeviceName);
    }

    /// <summary>The widest instruction set of this processor that oneMKL and ATen both have a branch for.</summary>
    public static string IsaLevelOfHost() =>
        Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported ? "avx512"
        : Avx2.IsSupported && Fma.IsSupported ? "avx2"
        : "baseline";

    // libtorch 2.x picks avx512 when F, BW, VL and DQ are present, avx2 with FMA, else its default kernels.
    private static string AtenDefault(string isa) => isa == "baseline" ? "default" : isa;

    private static string CpuInfo(string key)
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.Split(':', 2)[0].Trim() == key)
                : null;
            return line?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
