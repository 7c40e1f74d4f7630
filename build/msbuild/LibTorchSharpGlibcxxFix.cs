// The narrow fix that lets TorchSharp 0.107 load on Debian 12 / Ubuntu 22.04 (see ARCHITECTURE.md,
// "Loading libtorch on older Linux"). libLibTorchSharp.so declares a need for GLIBCXX_3.4.32, but the
// only symbol bound to that version is std::ios_base_library_init, an anchor nothing relocates against.
// Marking that one version-need entry weak (VER_FLG_WEAK) lets the dynamic loader accept an older
// libstdc++. This file is compiled twice: as an MSBuild inline task (build/msbuild/LibTorch.targets)
// and into the library, which uses the same reader to explain a failed load.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace EEArtifacts.Build
{
    /// <summary>What <see cref="GlibcxxRequirement.Weaken"/> did to a library.</summary>
    public enum WeakenOutcome
    {
        /// <summary>The library does not require the version: left byte-identical.</summary>
        NotRequired,
        /// <summary>The requirement was already weak: left byte-identical.</summary>
        AlreadyWeak,
        /// <summary>The one version-need entry was marked weak.</summary>
        Weakened,
    }

    /// <summary>Reads and edits the GNU version-need entries of an ELF64 little-endian shared library.</summary>
    public static class GlibcxxRequirement
    {
        /// <summary>The version that TorchSharp 0.107 needs and older libstdc++ lacks.</summary>
        public const string Version = "GLIBCXX_3.4.32";
        /// <summary>The library that defines <see cref="Version"/>.</summary>
        public const string Library = "libstdc++.so.6";
        /// <summary>The only symbols allowed to bind to the weakened version: anchors without relocations.</summary>
        public static readonly IReadOnlyCollection<string> AllowedSymbols = new[] { "_ZSt21ios_base_library_initv" };

        private const uint ShtRela = 4;
        private const uint ShtRel = 9;
        private const uint ShtDynsym = 11;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVersym = 0x6fffffff;
        private const ushort VerFlagWeak = 0x2;

        /// <summary>True when the libstdc++ the loader would pick defines <paramref name="version"/>.</summary>
        public static bool HostProvides(string version = Version)
        {
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            foreach (string path in HostLibstdcxxCandidates())
            {
                if (File.Exists(path))
                {
                    return IndexOf(File.ReadAllBytes(path), needle) >= 0;
                }
            }
            return false;
        }

        /// <summary>True when the ELF file needs <see cref="Version"/> from libstdc++ without the weak flag.</summary>
        public static bool RequiresStrictly(byte[] elf)
        {
            VersionNeed? need = FindNeed(elf);
            return need is not null && (need.Value.Flags & VerFlagWeak) == 0;
        }

        /// <summary>
        /// Marks the libstdc++ need for <see cref="Version"/> weak in <paramref name="elf"/>, in place. Touches
        /// two bytes (that entry's flags) and nothing else; throws when the file is not a 64-bit little-endian
        /// ELF or when a symbol other than <see cref="AllowedSymbols"/> binds to that version.
        /// </summary>
        public static WeakenOutcome Weaken(byte[] elf)
        {
            VersionNeed? found = FindNeed(elf);
            if (found is null)
            {
                return WeakenOutcome.NotRequired;
            }
            VersionNeed need = found.Value;
            if ((need.Flags & VerFlagWeak) != 0)
            {
                return WeakenOutcome.AlreadyWeak;
            }
            foreach (KeyValuePair<long, string> symbol in SymbolsBoundTo(elf, need.Index))
            {
                bool allowed = false;
                foreach (string ok in AllowedSymbols)
                {
                    allowed |= ok == symbol.Value;
                }
                if (!allowed)
                {
                    throw new InvalidDataException(
                        $"refusing to weaken {Version}: symbol '{symbol.Value}' is bound to it and may really need it");
                }
                if (IsRelocated(elf, symbol.Key))
                {
                    throw new InvalidDataException(
                        $"refusing to weaken {Version}: a relocation refers to '{symbol.Value}'");
                }
            }
            WriteU16(elf, need.FlagsOffset, (ushort)(need.Flags | VerFlagWeak));
            return WeakenOutcome.Weakened;
        }

        /// <summary>Applies <see cref="Weaken"/> to a file on disk, replacing it by rename (never writing through a hard link).</summary>
        public static WeakenOutcome WeakenFile(string path)
        {
            byte[] elf = File.ReadAllBytes(path);
            WeakenOutcome outcome = Weaken(elf);
            if (outcome == WeakenOutcome.Weakened)
            {
                string temp = path + ".weaken.tmp";
                File.WriteAllBytes(temp, elf);
                File.Replace(temp, path, null);
            }
            return outcome;
        }

        private static IEnumerable<string> HostLibstdcxxCandidates()
        {
            string? ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(ldPath))
            {
                foreach (string dir in ldPath.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    yield return Path.Combine(dir, Library);
                }
            }
            yield return "/usr/lib/x86_64-linux-gnu/" + Library;
            yield return "/lib/x86_64-linux-gnu/" + Library;
            yield return "/usr/lib64/" + Library;
            yield return "/lib64/" + Library;
            yield return "/usr/lib/" + Library;
        }

        private readonly struct Section
        {
            public Section(uint type, long offset, long size, uint link, uint info, long entrySize)
            {
                Type = type; Offset = offset; Size = size; Link = link; Info = info; EntrySize = entrySize;
            }
            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public uint Info { get; }
            public long EntrySize { get; }
        }

        private readonly struct VersionNeed
        {
            public VersionNeed(int flagsOffset, ushort flags, ushort index)
            {
                FlagsOffset = flagsOffset; Flags = flags; Index = index;
            }
            public int FlagsOffset { get; }
            public ushort Flags { get; }
            public ushort Index { get; }
        }

        private static Section[] ReadSections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            {
                throw new InvalidDataException("not an ELF file");
            }
            if (elf[4] != 2 || elf[5] != 1)
            {
                throw new InvalidDataException("not a 64-bit little-endian ELF file");
            }
            long shoff = (long)ReadU64(elf, 0x28);
            int shentsize = ReadU16(elf, 0x3A);
            int shnum = ReadU16(elf, 0x3C);
            if (shoff <= 0 || shentsize < 64 || shoff + (long)shentsize * shnum > elf.Length)
            {
                throw new InvalidDataException("ELF section headers missing or truncated");
            }
            var sections = new Section[shnum];
            for (int i = 0; i < shnum; i++)
            {
                int h = checked((int)(shoff + (long)i * shentsize));
                sections[i] = new Section(
                    ReadU32(elf, h + 4), (long)ReadU64(elf, h + 0x18), (long)ReadU64(elf, h + 0x20),
                    ReadU32(elf, h + 0x28), ReadU32(elf, h + 0x2C), (long)ReadU64(elf, h + 0x38));
            }
            return sections;
        }

        private static VersionNeed? FindNeed(byte[] elf)
        {
            Section[] sections = ReadSections(elf);
            foreach (Section verneed in sections)
            {
                if (verneed.Type != ShtGnuVerneed)
                {
                    continue;
                }
                Section strings = sections[verneed.Link];
                int entry = checked((int)verneed.Offset);
                for (uint n = 0; n < verneed.Info; n++)
                {
                    ushort count = ReadU16(elf, entry + 2);
                    string file = ReadString(elf, strings, ReadU32(elf, entry + 4));
                    int aux = entry + (int)ReadU32(elf, entry + 8);
                    for (int a = 0; a < count; a++)
                    {
                        string name = ReadString(elf, strings, ReadU32(elf, aux + 8));
                        if (file == Library && name == Version)
                        {
                            return new VersionNeed(aux + 4, ReadU16(elf, aux + 4), ReadU16(elf, aux + 6));
                        }
                        aux += (int)ReadU32(elf, aux + 12);
                    }
                    uint next = ReadU32(elf, entry + 12);
                    if (next == 0)
                    {
                        break;
                    }
                    entry += (int)next;
                }
            }
            return null;
        }

        private static bool IsRelocated(byte[] elf, long symbolIndex)
        {
            foreach (Section s in ReadSections(elf))
            {
                if (s.Type != ShtRela && s.Type != ShtRel)
                {
                    continue;
                }
                long entrySize = s.Type == ShtRela ? 24 : 16;
                for (long r = 0; r < s.Size / entrySize; r++)
                {
                    ulong info = ReadU64(elf, checked((int)(s.Offset + r * entrySize + 8)));
                    if ((long)(info >> 32) == symbolIndex)
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        private static IEnumerable<KeyValuePair<long, string>> SymbolsBoundTo(byte[] elf, ushort versionIndex)
        {
            Section[] sections = ReadSections(elf);
            Section? versym = null;
            Section? dynsym = null;
            foreach (Section s in sections)
            {
                if (s.Type == ShtGnuVersym) versym = s;
                if (s.Type == ShtDynsym) dynsym = s;
            }
            if (versym is null || dynsym is null)
            {
                throw new InvalidDataException("ELF file has a version need but no .dynsym/.gnu.version");
            }
            Section strings = sections[dynsym.Value.Link];
            long count = dynsym.Value.Size / Math.Max(24, dynsym.Value.EntrySize);
            for (long i = 0; i < count; i++)
            {
                ushort version = (ushort)(ReadU16(elf, checked((int)(versym.Value.Offset + 2 * i))) & 0x7fff);
                if (version == versionIndex)
                {
                    int symbol = checked((int)(dynsym.Value.Offset + 24 * i));
                    yield return new KeyValuePair<long, string>(i, ReadString(elf, strings, ReadU32(elf, symbol)));
                }
            }
        }

        private static string ReadString(byte[] elf, Section table, uint offset)
        {
            int start = checked((int)(table.Offset + offset));
            int end = start;
            while (end < elf.Length && elf[end] != 0)
            {
                end++;
            }
            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            // The inline task compiles against netstandard2.0: no span search there.
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }
                if (j == needle.Length)
                {
                    return i;
                }
            }
            return -1;
        }

        private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | (b[o + 1] << 8));
        private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
        private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);
        private static void WriteU16(byte[] b, int o, ushort v)
        {
            b[o] = (byte)v;
            b[o + 1] = (byte)(v >> 8);
        }
    }

#if !EEARTIFACTS_NO_MSBUILD_TASK
    /// <summary>MSBuild task: weakens the requirement in the given build-output copies when the host lacks it.</summary>
    public sealed class WeakenGlibcxxRequirement : Microsoft.Build.Utilities.Task
    {
        /// <summary>Output copies of libLibTorchSharp.so (never the NuGet cache).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>The NuGet package root, which must never be written.</summary>
        public string PackageRoot { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            if (Files.Length == 0 || GlibcxxRequirement.HostProvides())
            {
                return true;
            }
            foreach (var item in Files)
            {
                string path = Path.GetFullPath(item.ItemSpec);
                if (PackageRoot.Length > 0 && path.StartsWith(Path.GetFullPath(PackageRoot), StringComparison.Ordinal))
                {
                    Log.LogError($"refusing to patch {path}: it is inside the NuGet package folder");
                    return false;
                }
                WeakenOutcome outcome;
                try
                {
                    outcome = GlibcxxRequirement.WeakenFile(path);
                }
                catch (InvalidDataException e)
                {
                    Log.LogError($"libtorch: {path}: {e.Message}");
                    return false;
                }
                if (outcome == WeakenOutcome.Weakened)
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                        $"libtorch: marked {GlibcxxRequirement.Version} weak in {path} (host libstdc++ lacks it)");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
