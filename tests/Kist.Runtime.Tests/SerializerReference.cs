using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kist.Oci;

namespace Kist.Runtime.Tests;

/// <summary>What System.Text.Json's serializer writes, with the escaping the runtime's own writers use.</summary>
internal static class SerializerReference
{
    public static string Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = PlainJsonEncoder.Instance }))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
