using System.Text.Json;

namespace Kist.Runtime.Json;

/// <summary>
/// Small helpers of the hand-written JSON writers. Nulls are left out, as the serializer leaves them out with
/// <c>JsonIgnoreCondition.WhenWritingNull</c>: the state and spec writers match its output byte for byte.
/// </summary>
public static class Utf8JsonWriterExtensions
{
    public static void WriteOptionalString(this Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    public static void WriteOptionalNumber(this Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    public static void WriteOptionalNumber(this Utf8JsonWriter w, string name, ulong? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    public static void WriteStrings(this Utf8JsonWriter w, string name, IReadOnlyList<string>? values)
    {
        if (values is null) return;
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    public static void WriteMap(this Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null) return;
        w.WriteStartObject(name);
        foreach (var (key, value) in map) w.WriteString(key, value);
        w.WriteEndObject();
    }

    /// <summary>Each item as an array element, written by <paramref name="writeItem"/>.</summary>
    public static void WriteArray<T>(this Utf8JsonWriter w, string name, IReadOnlyList<T>? items, Action<Utf8JsonWriter, T> writeItem)
    {
        if (items is null) return;
        w.WriteStartArray(name);
        foreach (var item in items) writeItem(w, item);
        w.WriteEndArray();
    }

    /// <summary>A whole document: one object whose properties <paramref name="writeProperties"/> writes.</summary>
    public static byte[] Document<T>(T value, Action<Utf8JsonWriter, T> writeProperties)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Kist.Oci.PlainJsonEncoder.Instance }))
        {
            w.WriteStartObject();
            writeProperties(w, value);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
