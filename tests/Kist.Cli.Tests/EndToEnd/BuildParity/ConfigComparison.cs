using System.Text;
using System.Text.Json;

namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>The image config fields that a build decides, compared between docker's and kist's image.</summary>
public static class ConfigComparison
{
    public static readonly string[] Fields =
        ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal", "Healthcheck", "Shell", "OnBuild"];

    public static IEnumerable<string> Compare(JsonElement docker, JsonElement kist)
    {
        var d = Section(docker, "config");
        var k = Section(kist, "config");
        foreach (var field in Fields)
        {
            string dv = Canonical(Section(d, field)), kv = Canonical(Section(k, field));
            if (dv != kv) yield return $"config {field}: docker {dv} | kist {kv}";
        }
    }

    /// <summary>History as BuildKit records it: created_by and empty_layer of each entry, in order.</summary>
    public static IEnumerable<string> CompareHistory(JsonElement docker, JsonElement kist)
    {
        var d = Entries(docker).ToList();
        var k = Entries(kist).ToList();
        for (int i = 0; i < Math.Max(d.Count, k.Count); i++)
        {
            string dv = i < d.Count ? d[i] : "(none)", kv = i < k.Count ? k[i] : "(none)";
            if (dv != kv) yield return $"history[{i}]: docker {dv} | kist {kv}";
        }
    }

    private static IEnumerable<string> Entries(JsonElement image)
    {
        if (Section(image, "history") is not { ValueKind: JsonValueKind.Array } history) yield break;
        foreach (var entry in history.EnumerateArray())
        {
            string createdBy = entry.TryGetProperty("created_by", out var c) ? c.GetString() ?? "" : "";
            bool empty = entry.TryGetProperty("empty_layer", out var e) && e.ValueKind == JsonValueKind.True;
            yield return (empty ? "(empty) " : "") + createdBy;
        }
    }

    private static JsonElement? Section(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var value) ? value : null;

    /// <summary>Compact JSON with object keys sorted; missing, null and an empty object are the same ("null").</summary>
    public static string Canonical(JsonElement? element)
    {
        if (element is not { } e || e.ValueKind == JsonValueKind.Null) return "null";
        if (e.ValueKind == JsonValueKind.Object && !e.EnumerateObject().Any()) return "null";
        var builder = new StringBuilder();
        Write(e, builder);
        return builder.ToString();
    }

    private static void Write(JsonElement e, StringBuilder builder)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                builder.Append('{');
                bool first = true;
                foreach (var property in e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first) builder.Append(',');
                    first = false;
                    builder.Append(JsonSerializer.Serialize(property.Name, ParityJsonContext.Default.String)).Append(':');
                    Write(property.Value, builder);
                }
                builder.Append('}');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                int index = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (index++ > 0) builder.Append(',');
                    Write(item, builder);
                }
                builder.Append(']');
                break;
            case JsonValueKind.String:
                // Re-encoded: Go escapes <, > and & as \u003c…, .NET writers may not; the value is what counts.
                builder.Append(JsonSerializer.Serialize(e.GetString(), ParityJsonContext.Default.String));
                break;
            default:
                builder.Append(e.GetRawText());
                break;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ParityJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
