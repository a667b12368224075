using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kist.Oci;

/// <summary>Source-generated JSON for the OCI documents (no reflection: the CLI is AOT-compiled).</summary>
// RespectNullableAnnotations: a required, non-nullable field that is null ("layers": null) is malformed, not a later NullReferenceException.
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(ImageLayoutFile))]
[JsonSerializable(typeof(List<DockerArchiveManifestEntry>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
public sealed partial class OciJsonContext : JsonSerializerContext;

/// <summary>A document parsed from bytes, kept with those exact bytes and their digest.</summary>
public sealed record Parsed<T>(T Value, byte[] Bytes, Digest Digest);

/// <summary>Parsing of OCI documents with errors that say which document was bad.</summary>
public static class OciDocuments
{
    /// <summary>Manifests and indexes above this size are refused, as registries refuse them.</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    public static Parsed<ImageManifest> ParseManifest(byte[] bytes) => Parse(bytes, OciDocumentReader.ReadManifest, "image manifest");

    public static Parsed<ImageIndex> ParseIndex(byte[] bytes) => Parse(bytes, OciDocumentReader.ReadIndex, "image index");

    /// <summary>An index that is a file, not content (the store's index.json, a build-cache record): no digest to compute.</summary>
    public static ImageIndex ReadIndex(byte[] bytes) => Read(bytes, OciDocumentReader.ReadIndex, "image index");

    public static Parsed<ImageConfig> ParseConfig(byte[] bytes) => Parse(bytes, OciDocumentReader.ReadConfig, "image config");

    /// <summary>Compact JSON, with <c>+</c>, <c>&lt;</c> and non-ASCII written as themselves (as Go and docker write them).</summary>
    public static byte[] Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        return buffer.ToArray();
    }

    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The media type a manifest-like document declares, or infers from its shape when it declares none.</summary>
    public static string? DetectMediaType(ReadOnlySpan<byte> bytes)
    {
        // One pass of the reader over the top-level properties (a repeated one counts as its last, as JsonDocument
        // reads it): no document is built for what is asked of every manifest a container start reads.
        string? mediaType = null;
        bool schemaVersion1 = false, manifests = false, config = false, layers = false;
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("mediaType"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String) mediaType = reader.GetString();
                }
                else if (reader.ValueTextEquals("schemaVersion"u8))
                {
                    reader.Read();
                    schemaVersion1 = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int version) && version == 1;
                }
                else
                {
                    manifests |= reader.ValueTextEquals("manifests"u8);
                    config |= reader.ValueTextEquals("config"u8);
                    layers |= reader.ValueTextEquals("layers"u8);
                    reader.Read();
                }
                reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject) return null;
        }
        catch (JsonException)
        {
            return null;
        }
        if (mediaType is not null) return mediaType;
        if (schemaVersion1) return MediaTypes.DockerManifestV1;
        if (manifests) return MediaTypes.OciIndex;
        return config && layers ? MediaTypes.OciManifest : null;
    }

    private delegate T? DocumentReader<T>(ReadOnlySpan<byte> json);

    private static Parsed<T> Parse<T>(byte[] bytes, DocumentReader<T> read, string what) where T : class =>
        new(Read(bytes, read, what), bytes, Digest.Compute(bytes));

    private static T Read<T>(byte[] bytes, DocumentReader<T> read, string what) where T : class
    {
        T? value;
        try
        {
            value = read(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"malformed {what}: {e.Message}", e);
        }
        return value ?? throw new InvalidInputException($"malformed {what}: null");
    }
}
