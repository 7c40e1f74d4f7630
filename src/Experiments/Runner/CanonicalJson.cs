using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EEArtifacts.Experiments.Runner;

/// <summary>The one JSON form used for configurations, provenance and hashes: stable order, invariant numbers.</summary>
public static class CanonicalJson
{
    /// <summary>Options: declaration order, no indentation surprises, shortest round-trip doubles, enums as strings.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Serializes with <see cref="Options"/>; "\n" line ends on every OS.</summary>
    public static string Serialize<T>(T value) =>
        JsonSerializer.Serialize(value, Options).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    /// <summary>The first 12 hex digits of the SHA-256 of a text.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
