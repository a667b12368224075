using System.Text.Json;

namespace Kist.Runtime.State;

/// <summary>
/// Reads <c>state.json</c> with <see cref="Utf8JsonReader"/> into what the serializer read from what
/// <see cref="StateDocumentWriter"/> writes (names as declared, unknown ones skipped, nulls left out; a property missing
/// keeps the record's default, where the serializer left it null): a container start reads its state four times, and
/// the serializer's metadata for the state's types cost the first read more than the reads themselves.
/// </summary>
internal static class ContainerStateReader
{
    /// <summary>The state, or null for a JSON null; a damaged document is a <see cref="JsonException"/>.</summary>
    public static ContainerState? Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (Next(ref reader) == JsonTokenType.Null) return null;
            return ReadState(ref reader);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new JsonException($"container state: {e.Message}", e);
        }
    }

    private static ContainerState ReadState(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var defaults = new ContainerState();
        string status = defaults.Status, error = defaults.Error;
        int pid = 0, exitCode = 0;
        bool oomKilled = false, restartRequested = false;
        DateTimeOffset? startedAt = null, finishedAt = null;
        ProcessIdentity? monitor = null;
        NetworkInfo? network = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Status"u8)) status = String(ref reader) ?? status;
            else if (reader.ValueTextEquals("Pid"u8)) pid = Int(ref reader);
            else if (reader.ValueTextEquals("ExitCode"u8)) exitCode = Int(ref reader);
            else if (reader.ValueTextEquals("Error"u8)) error = String(ref reader) ?? "";
            else if (reader.ValueTextEquals("OOMKilled"u8)) oomKilled = Bool(ref reader);
            else if (reader.ValueTextEquals("StartedAt"u8)) startedAt = Time(ref reader);
            else if (reader.ValueTextEquals("FinishedAt"u8)) finishedAt = Time(ref reader);
            else if (reader.ValueTextEquals("Monitor"u8)) monitor = Monitor(ref reader);
            else if (reader.ValueTextEquals("Network"u8)) network = Network(ref reader);
            else if (reader.ValueTextEquals("RestartRequested"u8)) restartRequested = Bool(ref reader);
            else SkipValue(ref reader);
        }
        Expect(ref reader, JsonTokenType.EndObject);
        return new ContainerState
        {
            Status = status, Pid = pid, ExitCode = exitCode, Error = error, OOMKilled = oomKilled, StartedAt = startedAt,
            FinishedAt = finishedAt, Monitor = monitor, Network = network, RestartRequested = restartRequested,
        };
    }

    private static ProcessIdentity? Monitor(ref Utf8JsonReader reader)
    {
        if (Next(ref reader) == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        int pid = 0;
        long startTime = 0;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Pid"u8)) pid = Int(ref reader);
            else if (reader.ValueTextEquals("StartTime"u8)) startTime = Long(ref reader);
            else SkipValue(ref reader);
        }
        Expect(ref reader, JsonTokenType.EndObject);
        return new ProcessIdentity(pid, startTime);
    }

    private static NetworkInfo? Network(ref Utf8JsonReader reader)
    {
        if (Next(ref reader) == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        string? mode = null, address = null, gateway = null, mac = null, netns = null;
        int prefix = 0;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Mode"u8)) mode = String(ref reader);
            else if (reader.ValueTextEquals("IPAddress"u8)) address = String(ref reader);
            else if (reader.ValueTextEquals("PrefixLength"u8)) prefix = Int(ref reader);
            else if (reader.ValueTextEquals("Gateway"u8)) gateway = String(ref reader);
            else if (reader.ValueTextEquals("MacAddress"u8)) mac = String(ref reader);
            else if (reader.ValueTextEquals("NetnsPath"u8)) netns = String(ref reader);
            else SkipValue(ref reader);
        }
        Expect(ref reader, JsonTokenType.EndObject);
        return new NetworkInfo(mode!, address, prefix, gateway, mac, netns);
    }

    private static string? String(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        return reader.GetString();
    }

    private static int Int(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        return reader.GetInt32();
    }

    private static long Long(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        return reader.GetInt64();
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        reader.Skip();
    }

    private static bool Bool(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        return reader.GetBoolean();
    }

    private static DateTimeOffset? Time(ref Utf8JsonReader reader) =>
        Next(ref reader) == JsonTokenType.Null ? null : reader.GetDateTimeOffset();

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("container state: unexpected end of the document");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type) throw new JsonException($"container state: expected {type}, found {reader.TokenType} at byte {reader.TokenStartIndex}");
    }
}
