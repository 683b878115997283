using System.Text.Json.Serialization;

namespace RawTls.DevPki;

/// <summary>Source-generated JSON metadata for the state file.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DevPkiState))]
internal sealed partial class DevPkiJsonContext : JsonSerializerContext;
