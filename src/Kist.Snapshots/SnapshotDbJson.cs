using System.Buffers;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Snapshots;

/// <summary>
/// The snapshot table's file (<c>metadata.json</c>), read and written with <see cref="Utf8JsonReader"/> and
/// <see cref="Utf8JsonWriter"/>: a container start reads it four times and writes it twice, and the serializer's
/// metadata for its types cost a start more than all of that. The shape is what the serializer wrote before:
/// <c>{"NextId": N, "Snapshots": {KEY: {"Id", "Kind", "Parent", "Created"}}}</c>, unknown properties ignored.
/// </summary>
internal static class SnapshotDbJson
{
    /// <summary>The table; a damaged one is a <see cref="JsonException"/>, as it was from the serializer.</summary>
    public static SnapshotDb Read(ReadOnlySpan<byte> json)
    {
        try { return ReadTable(json); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new JsonException($"snapshot table: {e.Message}", e);
        }
    }

    private static SnapshotDb ReadTable(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var db = new SnapshotDb();
        if (Next(ref reader) == JsonTokenType.Null) return db;
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("NextId"u8)) { Next(ref reader); db.NextId = reader.GetInt64(); }
            else if (reader.ValueTextEquals("Snapshots"u8)) ReadSnapshots(ref reader, db.Snapshots);
            else SkipValue(ref reader);
        }
        Expect(ref reader, JsonTokenType.EndObject);
        return db;
    }

    private static void ReadSnapshots(ref Utf8JsonReader reader, SortedDictionary<string, SnapshotRecord> snapshots)
    {
        Next(ref reader);
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            snapshots[key] = ReadRecord(ref reader);
        }
        Expect(ref reader, JsonTokenType.EndObject);
    }

    private static SnapshotRecord ReadRecord(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        Expect(ref reader, JsonTokenType.StartObject);
        long? id = null;
        SnapshotKind? kind = null;
        string? parent = null;
        DateTimeOffset? created = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Id"u8)) { Next(ref reader); id = reader.GetInt64(); }
            else if (reader.ValueTextEquals("Kind"u8)) { Next(ref reader); kind = ReadKind(ref reader); }
            else if (reader.ValueTextEquals("Parent"u8)) { Next(ref reader); parent = reader.GetString(); }
            else if (reader.ValueTextEquals("Created"u8)) { Next(ref reader); created = reader.GetDateTimeOffset(); }
            else SkipValue(ref reader);
        }
        Expect(ref reader, JsonTokenType.EndObject);
        return new SnapshotRecord
        {
            Id = id ?? throw Missing("Id"),
            Kind = kind ?? throw Missing("Kind"),
            Parent = parent,
            Created = created ?? throw Missing("Created"),
        };
    }

    /// <summary>The kind by name, as written; a number as the serializer's enum converter also accepted.</summary>
    private static SnapshotKind ReadKind(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.GetInt32() is var n && Kinds.Length > n && n >= 0) return (SnapshotKind)n;
        if (reader.TokenType == JsonTokenType.String)
        {
            string name = reader.GetString()!;
            int i = Array.FindIndex(Kinds, k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (i >= 0) return (SnapshotKind)i;
        }
        throw new JsonException($"snapshot table: unknown snapshot kind at byte {reader.TokenStartIndex}");
    }

    // By value, spelled out: Enum's own name lookup goes through reflection metadata, a cost in a process's first use.
    private static readonly string[] Kinds = ["View", "Active", "Committed"];

    public static byte[] Write(SnapshotDb db)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + db.Snapshots.Count * 256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = PlainJsonEncoder.Instance }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("NextId"u8, db.NextId);
            writer.WriteStartObject("Snapshots"u8);
            foreach (var (key, r) in db.Snapshots)
            {
                writer.WriteStartObject(key);
                writer.WriteNumber("Id"u8, r.Id);
                writer.WriteString("Kind"u8, Kinds[(int)r.Kind]);
                if (r.Parent is null) writer.WriteNull("Parent"u8);
                else writer.WriteString("Parent"u8, r.Parent);
                writer.WriteString("Created"u8, r.Created);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("snapshot table: unexpected end of the document");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type) throw new JsonException($"snapshot table: expected {type}, found {reader.TokenType} at byte {reader.TokenStartIndex}");
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        reader.Skip();
    }

    private static JsonException Missing(string property) => new($"snapshot table: a snapshot without \"{property}\"");
}
