using System.Text.Json.Serialization;

namespace RawTls.Cli.Commands.Operations;

/// <summary>Source-generated JSON for the status document (camelCase, ISO 8601 times).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
