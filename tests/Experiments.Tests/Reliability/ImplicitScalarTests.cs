using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Tests.Reliability;

/// <summary>
/// TorchSharp 0.107 passes an implicit double-to-Scalar to libtorch by handle only, and the finalizer can free it
/// mid-call (a failed width-sweep cell in a reference run; see ScalarArithmetic). The library and the experiments must
/// make no such Scalar: this reads their compiled code for calls to Scalar.op_Implicit, lambdas and iterators
/// included (they compile to nested types).
/// </summary>
public class ImplicitScalarTests
{
    [Fact]
    public void TheLibraryAndTheExperimentsMakeNoImplicitScalar()
    {
        // Every cell of the catalogue runs library and experiment code, training or not, for minutes: a rare free
        // mid-call fails a cell anywhere (the first one seen was in training, the rest were found by this scan).
        string[] found = ImplicitScalarCalls(typeof(EnsembleTrainer).Assembly.Location)
            .Concat(ImplicitScalarCalls(typeof(EEArtifacts.Experiments.Catalogue.WhichBatchEnsemble).Assembly.Location))
            .ToArray();
        Assert.True(found.Length == 0, "implicit Scalar conversions (use ScalarArithmetic or a disposed Scalar): " + string.Join("; ", found));
    }

    [Fact]
    public void TheScanFindsAnImplicitScalar()
    {
        // This test assembly makes one on purpose below; a scan that misses it proves nothing above.
        Assert.Contains(ImplicitScalarCalls(typeof(ImplicitScalarTests).Assembly.Location),
            site => site.EndsWith(nameof(ImplicitScalarTests) + "::" + nameof(MakesOne), StringComparison.Ordinal));
    }

    private static TorchSharp.Scalar MakesOne(double value) => value;

    /// <summary>"Namespace.Type::Method" of every method body that calls TorchSharp.Scalar.op_Implicit.</summary>
    private static IEnumerable<string> ImplicitScalarCalls(string assemblyPath)
    {
        using FileStream file = File.OpenRead(assemblyPath);
        using var pe = new PEReader(file);
        MetadataReader md = pe.GetMetadataReader();
        int memberRefs = md.GetTableRowCount(TableIndex.MemberRef);
        var sites = new List<string>();
        foreach (TypeDefinitionHandle th in md.TypeDefinitions)
        {
            TypeDefinition type = md.GetTypeDefinition(th);
            string typeName = NamespaceOf(md, type) + "." + md.GetString(type.Name);
            foreach (MethodDefinitionHandle mh in type.GetMethods())
            {
                MethodDefinition method = md.GetMethodDefinition(mh);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }
                byte[] il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? [];
                for (int i = 0; i + 4 < il.Length; i++)
                {
                    // call (0x28) with a MemberRef token (table 0x0A); other bytes that look alike resolve to other names
                    int token = BitConverter.ToInt32(il, i + 1);
                    int row = token & 0xFFFFFF;
                    if (il[i] != 0x28 || token >>> 24 != 0x0A || row == 0 || row > memberRefs)
                    {
                        continue;
                    }
                    MemberReference member = md.GetMemberReference(MetadataTokens.MemberReferenceHandle(row));
                    if (md.GetString(member.Name) == "op_Implicit" && member.Parent.Kind == HandleKind.TypeReference
                        && md.GetString(md.GetTypeReference((TypeReferenceHandle)member.Parent).Name) == "Scalar")
                    {
                        sites.Add(typeName + "::" + md.GetString(method.Name));
                        break;
                    }
                }
            }
        }
        return sites;
    }

    /// <summary>A nested type (lambda closures, iterators) has no namespace of its own: that of its outermost type.</summary>
    private static string NamespaceOf(MetadataReader md, TypeDefinition type)
    {
        while (type.GetDeclaringType() is { IsNil: false } outer)
        {
            type = md.GetTypeDefinition(outer);
        }
        return md.GetString(type.Namespace);
    }
}
