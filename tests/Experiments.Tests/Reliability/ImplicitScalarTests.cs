using System.Reflection;
using System.Reflection.Emit;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Tests.Reliability;

/// <summary>
/// TorchSharp 0.107 passes a Scalar to libtorch by handle only; a Scalar made on the fly (an implicit double-to-Scalar,
/// or one TorchSharp makes itself, like the alpha = 1 of <c>add(Tensor)</c>) is unreachable during the native call, and
/// the finalizer can free it mid-call (failed cells in reference runs, "toDouble" and "toFloat"; see ScalarArithmetic).
/// This reads the compiled code of the library and the experiments, lambdas and iterators included, for calls to
/// Scalar.op_Implicit and for calls into TorchSharp methods that make such a Scalar inside (found by reading
/// TorchSharp's own code, through the calls it makes to itself).
/// </summary>
public class ImplicitScalarTests
{
    private static readonly Assembly TorchSharpAssembly = typeof(TorchSharp.Scalar).Assembly;

    [Fact]
    public void TheLibraryAndTheExperimentsMakeNoScalarOnTheFly()
    {
        // Every cell of the catalogue runs library and experiment code, training or not, for minutes: a rare free
        // mid-call fails a cell anywhere (the first one seen was in training, the rest were found by this scan).
        var unsafeCalls = TorchSharpMethodsThatMakeAScalar();
        string[] found = ScalarSites(typeof(EnsembleTrainer).Assembly, unsafeCalls)
            .Concat(ScalarSites(typeof(EEArtifacts.Experiments.Catalogue.WhichBatchEnsemble).Assembly, unsafeCalls))
            .ToArray();
        Assert.True(found.Length == 0, "Scalars made on the fly (use ScalarArithmetic or a disposed Scalar): " + string.Join("; ", found));
    }

    [Fact]
    public void TheScanFindsAnImplicitScalarAndTorchSharpsOwn()
    {
        // This test assembly makes each kind on purpose below; a scan that misses them proves nothing above.
        var unsafeCalls = TorchSharpMethodsThatMakeAScalar();
        string[] sites = ScalarSites(typeof(ImplicitScalarTests).Assembly, unsafeCalls).ToArray();
        Assert.Contains(sites, s => s.StartsWith(nameof(ImplicitScalarTests) + "::" + nameof(MakesOne) + " ", StringComparison.Ordinal));
        Assert.Contains(sites, s => s.StartsWith(nameof(ImplicitScalarTests) + "::" + nameof(AddsWithTorchSharpsAlpha) + " ", StringComparison.Ordinal));
        Assert.Contains(sites, s => s.StartsWith(nameof(ImplicitScalarTests) + "::" + nameof(AddsByOperator) + " ", StringComparison.Ordinal));
        Assert.DoesNotContain(sites, s => s.StartsWith(nameof(ImplicitScalarTests) + "::" + nameof(AddsWithItsOwnAlpha) + " ", StringComparison.Ordinal));
    }

    private static TorchSharp.Scalar MakesOne(double value) => value;
    private static TorchSharp.torch.Tensor AddsWithTorchSharpsAlpha(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) => a.add(b);
    private static TorchSharp.torch.Tensor AddsByOperator(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) => a + b;
    private static TorchSharp.torch.Tensor AddsWithItsOwnAlpha(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b, TorchSharp.Scalar one) => a.add(b, one);

    /// <summary>
    /// TorchSharp's methods that call Scalar.op_Implicit, or call (within TorchSharp) a method that does: the fixed
    /// point of its own call graph, e.g. add(Tensor) by add(target, 1) and then Tensor + Tensor by add(Tensor).
    /// </summary>
    private static HashSet<MethodBase> TorchSharpMethodsThatMakeAScalar()
    {
        var calls = new Dictionary<MethodBase, List<MethodBase>>();
        foreach (MethodBase method in MethodsOf(TorchSharpAssembly))
        {
            calls[Definition(method)] = Callees(method).Where(c => c.Module == TorchSharpAssembly.ManifestModule).ToList();
        }
        var found = calls.Keys.Where(m => calls[m].Any(IsImplicitScalar)).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (method, callees) in calls)
            {
                if (!found.Contains(method) && callees.Any(found.Contains))
                {
                    found.Add(method);
                    grew = true;
                }
            }
        }
        return found;
    }

    /// <summary>"Type::Method (what it calls)" for each call of the assembly that makes a Scalar on the fly.</summary>
    private static IEnumerable<string> ScalarSites(Assembly assembly, HashSet<MethodBase> unsafeCalls)
    {
        foreach (MethodBase method in MethodsOf(assembly))
        {
            foreach (MethodBase bad in Callees(method).Where(c => IsImplicitScalar(c) || unsafeCalls.Contains(c)).Distinct())
            {
                yield return $"{OutermostType(method.DeclaringType!).Name}::{method.Name} ({bad.DeclaringType?.Name}.{bad})";
            }
        }
    }

    private static bool IsImplicitScalar(MethodBase m) => m.Name == "op_Implicit" && m.DeclaringType == typeof(TorchSharp.Scalar);

    private static IEnumerable<MethodBase> MethodsOf(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.OfType<Type>().ToArray();
        }
        return types.SelectMany(t => t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)));
    }

    /// <summary>The methods a method body calls (call, callvirt, newobj, ldftn), as generic definitions.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException)
        {
            il = null;
        }
        if (il is null)
        {
            yield break;
        }
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            OpCode op = il[i] == 0xFE && i + 1 < il.Length ? TwoByte[il[i + 1]] : OneByte[il[i]];
            i += op.Size;
            int operand = OperandSize(op, il, i);
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                }
                catch (Exception e) when (e is ArgumentException or TypeLoadException or MissingMemberException or BadImageFormatException or FileNotFoundException)
                {
                }
                if (callee is not null)
                {
                    yield return Definition(callee);
                }
            }
            i += operand;
        }
    }

    private static MethodBase Definition(MethodBase m)
    {
        if (m is MethodInfo { IsGenericMethod: true, IsGenericMethodDefinition: false } generic)
        {
            m = generic.GetGenericMethodDefinition();
        }
        if (m.DeclaringType is { IsGenericType: true, IsGenericTypeDefinition: false } type)
        {
            m = MethodBase.GetMethodFromHandle(m.MethodHandle, type.GetGenericTypeDefinition().TypeHandle) ?? m;
        }
        return m;
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };

    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static ImplicitScalarTests()
    {
        foreach (FieldInfo f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)f.GetValue(null)!;
            ushort value = unchecked((ushort)op.Value);
            if (op.Size == 1)
            {
                OneByte[value] = op;
            }
            else
            {
                TwoByte[value & 0xFF] = op;
            }
        }
    }

    /// <summary>A nested type (lambda closures, iterators) stands for its outermost type.</summary>
    private static Type OutermostType(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }
        return type;
    }
}
