using System.Text;
using System.Text.Json;

namespace Kist.Cli.Formatting;

/// <summary>
/// Writes listing rows as docker's <c>--format</c> does: the default table, <c>table TEMPLATE</c>,
/// a bare template per row, or <c>json</c> (one JSON object per line).
/// </summary>
public sealed class RowFormatter(string defaultTable, IReadOnlyDictionary<string, string> headers)
{
    public void Write(TextWriter output, string? format, IEnumerable<IReadOnlyDictionary<string, string>> rows)
    {
        format = string.IsNullOrWhiteSpace(format) || format == "table" ? defaultTable : format;
        if (format == "json")
        {
            foreach (var row in rows) output.WriteLine(Encoding.UTF8.GetString(ToJson(row)));
            return;
        }
        bool table = format.StartsWith("table ", StringComparison.Ordinal);
        var template = GoTemplate.Parse(Unescape(table ? format[6..] : format));
        if (!table)
        {
            foreach (var row in rows) output.WriteLine(Execute(template, row));
            return;
        }
        var headerRow = headers.ToDictionary(h => h.Key, h => h.Value);
        var writer = new TableWriter(Execute(template, headerRow).Split('\t'));
        foreach (var row in rows) writer.Add(Execute(template, row).Split('\t'));
        writer.WriteTo(output);
    }

    private static string Execute(GoTemplate template, IReadOnlyDictionary<string, string> row)
    {
        using var doc = JsonDocument.Parse(ToJson(row));
        return template.Execute(doc.RootElement);
    }

    private static byte[] ToJson(IReadOnlyDictionary<string, string> row)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Kist.Oci.OciDocuments.WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in row.OrderBy(p => p.Key, StringComparer.Ordinal)) writer.WriteString(key, value);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Docker lets users type <c>\t</c> and <c>\n</c> in a format as two characters.</summary>
    public static string Unescape(string format) => format.Replace(@"\t", "\t").Replace(@"\n", "\n");
}
