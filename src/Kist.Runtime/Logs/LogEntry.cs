using System.Text.Json.Serialization;

namespace Kist.Runtime.Logs;

/// <summary>One line of docker's json-file log driver.</summary>
public sealed record LogEntry(
    [property: JsonPropertyName("log")] string Log,
    [property: JsonPropertyName("stream")] string Stream,
    [property: JsonPropertyName("time")] DateTimeOffset Time)
{
    /// <summary>RFC 3339 with nanoseconds, as docker prints <c>logs -t</c>.</summary>
    public string TimeText => Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture) + "00Z";
}

[JsonSerializable(typeof(LogEntry))]
public sealed partial class LogJson : JsonSerializerContext;
