using System.Text.Json;
using Kist.Oci;

namespace Kist.Engine.Images;

/// <summary>Writes images in the shape of Docker's image inspect API, so scripts written for docker read it.</summary>
public static class ImageInspector
{
    public static byte[] ToJson(IEnumerable<NamedImage> images)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, OciDocuments.WriterOptions with { Indented = true, IndentSize = 4 }))
        {
            writer.WriteStartArray();
            foreach (var image in images) Write(writer, image);
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    /// <summary>Docker's time format (RFC 3339 with nanoseconds, trailing zeros dropped, UTC).</summary>
    public static string FormatTime(DateTimeOffset? time) =>
        (time ?? DateTimeOffset.MinValue).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static void Write(Utf8JsonWriter writer, NamedImage named)
    {
        var image = named.Image;
        var config = image.ConfigValue;
        writer.WriteStartObject();
        writer.WriteString("Id", image.Id.ToString());
        writer.WriteStartArray("RepoTags");
        foreach (var tag in named.Tags) writer.WriteStringValue(tag.ToFamiliarString());
        writer.WriteEndArray();
        writer.WriteStartArray("RepoDigests");
        foreach (var reference in named.DigestReferences) writer.WriteStringValue(reference.ToFamiliarString());
        writer.WriteEndArray();
        writer.WriteString("Parent", "");
        writer.WriteString("Comment", config.Comment ?? "");
        writer.WriteString("Created", FormatTime(config.Created));
        writer.WriteString("DockerVersion", config.DockerVersion ?? "");
        writer.WriteString("Author", config.Author ?? "");
        writer.WritePropertyName("Config");
        using (var raw = JsonDocument.Parse(image.Config.Bytes))
        {
            if (raw.RootElement.TryGetProperty("config", out var containerConfig) && containerConfig.ValueKind == JsonValueKind.Object)
            {
                containerConfig.WriteTo(writer);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
        }
        writer.WriteString("Architecture", config.Architecture);
        if (config.Variant is not null) writer.WriteString("Variant", config.Variant);
        writer.WriteString("Os", config.Os);
        writer.WriteNumber("Size", image.Size);
        writer.WriteNumber("VirtualSize", image.Size);
        writer.WriteStartObject("RootFS");
        writer.WriteString("Type", config.RootFs.Type);
        writer.WriteStartArray("Layers");
        foreach (var diffId in config.RootFs.DiffIds) writer.WriteStringValue(diffId.ToString());
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartObject("Descriptor");
        writer.WriteString("mediaType", image.Target.MediaType);
        writer.WriteString("digest", image.Target.Digest.ToString());
        writer.WriteNumber("size", image.Target.Size);
        writer.WriteEndObject();
        writer.WriteStartObject("Metadata");
        writer.WriteString("LastTagTime", FormatTime(null));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
