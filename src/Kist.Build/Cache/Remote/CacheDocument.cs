using System.Text.Json.Serialization;
using Kist.Oci;

namespace Kist.Build.Cache.Remote;

/// <summary>One step's cache record in an exported cache: its key, when it was made, and its layer (none for a step that changed no file).</summary>
public sealed record CacheRecordDocument
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("created")] public required string Created { get; init; }
    [JsonPropertyName("layer")] public Descriptor? Layer { get; init; }
    [JsonPropertyName("diffID")] public Digest? DiffId { get; init; }
}

/// <summary>The config blob of an exported cache manifest (<see cref="CacheManifest.ConfigMediaType"/>).</summary>
public sealed record CacheConfigDocument
{
    [JsonPropertyName("records")] public required IReadOnlyList<CacheRecordDocument> Records { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(CacheConfigDocument))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
