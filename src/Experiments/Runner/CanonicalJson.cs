using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EmbeddedEnsembles.Descriptions;
using EmbeddedEnsembles.Training;

namespace EEArtifacts.Experiments.Runner;

/// <summary>The one JSON form used for configurations, provenance and hashes: stable order, invariant numbers.</summary>
public static class CanonicalJson
{
    /// <summary>
    /// Options: declaration order, no indentation surprises, shortest round-trip doubles, enums as strings, and
    /// modulation laws, gamma rules and activations in their canonical text form ("sign(1)", "M", "relu").
    /// </summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters =
        {
            new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower),
            new TextFormConverter<ModulationLaw>(ModulationLaw.Parse),
            new TextFormConverter<GammaRule>(GammaRule.Parse),
            new TextFormConverter<Activation>(Activation.Parse),
        },
    };

    // A configuration is what its author sets: properties without a setter (a cell's Label, a task's IsRegression)
    // are derived from the others, so they stay out of its identity, its hash and its seed.
    private static readonly JsonSerializerOptions ConfigurationOptions = new(Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OnlySettableProperties } },
    };

    /// <summary>Serializes with <see cref="Options"/>; "\n" line ends on every OS.</summary>
    public static string Serialize<T>(T value) => Normalize(JsonSerializer.Serialize(value, Options));

    /// <summary>
    /// The identity of a configuration (a cell, a task description): its settable properties only, so relabelling
    /// a cell or adding a derived property changes neither its hash nor its seed.
    /// </summary>
    public static string Configuration<T>(T value) => Normalize(JsonSerializer.Serialize(value, ConfigurationOptions));

    /// <summary>The first 12 hex digits of the SHA-256 of a text.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    private static string Normalize(string json) => json.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    private static void OnlySettableProperties(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        for (int i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (info.Properties[i].Set is null)
            {
                info.Properties.RemoveAt(i);
            }
        }
    }

    // Writes a value as its canonical text (ToString) and reads it back with the type's own parser.
    private sealed class TextFormConverter<T>(Func<string, T> parse) : JsonConverter<T>
        where T : class
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            parse(reader.GetString() ?? throw new JsonException($"expected a {typeof(T).Name} as text"));

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
