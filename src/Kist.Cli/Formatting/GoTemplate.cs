using System.Globalization;
using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Cli.Formatting;

/// <summary>
/// The part of Go's text/template that docker's <c>--format</c> users write: fields (<c>{{.Config.Cmd}}</c>),
/// pipelines, <c>json</c>, <c>join</c>, <c>index</c>, <c>len</c>, <c>upper</c>, <c>lower</c>, <c>title</c>,
/// <c>println</c>, <c>range</c>/<c>if</c>/<c>with</c>/<c>else</c>/<c>end</c>, and <c>{{-</c> <c>-}}</c> trimming.
/// Values are JSON elements and print as Go prints its values (<c>[a b]</c>, <c>map[k:v]</c>).
/// </summary>
public sealed class GoTemplate
{
    private readonly List<Node> _nodes;

    private GoTemplate(List<Node> nodes) => _nodes = nodes;

    public static GoTemplate Parse(string text)
    {
        var tokens = Tokenize(text);
        int position = 0;
        var nodes = ParseList(tokens, ref position, out string? terminator);
        if (terminator is not null) throw Error($"unexpected {{{{{terminator}}}}}");
        return new GoTemplate(nodes);
    }

    public string Execute(JsonElement data)
    {
        var output = new StringBuilder();
        Render(_nodes, data, output);
        return output.ToString();
    }

    // ---- parsing ----

    private abstract record Node;
    private sealed record TextNode(string Text) : Node;
    private sealed record ActionNode(string Pipeline) : Node;
    private sealed record BlockNode(string Keyword, string Pipeline, List<Node> Body, List<Node>? Else) : Node;

    private sealed record Token(bool IsAction, string Text);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            int open = text.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                tokens.Add(new Token(false, text[i..]));
                break;
            }
            int close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) throw Error("unclosed action");
            string leading = text[i..open];
            string action = text[(open + 2)..close];
            if (action.StartsWith("- ", StringComparison.Ordinal) || action == "-")
            {
                leading = leading.TrimEnd();
                action = action[1..];
            }
            int next = close + 2;
            if (action.EndsWith(" -", StringComparison.Ordinal))
            {
                action = action[..^2];
                while (next < text.Length && char.IsWhiteSpace(text[next])) next++;
            }
            if (leading.Length > 0) tokens.Add(new Token(false, leading));
            tokens.Add(new Token(true, action.Trim()));
            i = next;
        }
        return tokens;
    }

    private static List<Node> ParseList(List<Token> tokens, ref int position, out string? terminator)
    {
        var nodes = new List<Node>();
        while (position < tokens.Count)
        {
            var token = tokens[position++];
            if (!token.IsAction)
            {
                nodes.Add(new TextNode(token.Text));
                continue;
            }
            string keyword = FirstWord(token.Text);
            switch (keyword)
            {
                case "end" or "else":
                    terminator = keyword;
                    return nodes;
                case "range" or "if" or "with":
                    string pipeline = token.Text[keyword.Length..].Trim();
                    var body = ParseList(tokens, ref position, out string? end);
                    List<Node>? elseBody = null;
                    if (end == "else") elseBody = ParseList(tokens, ref position, out end);
                    if (end != "end") throw Error($"missing {{{{end}}}} for {{{{{keyword}}}}}");
                    nodes.Add(new BlockNode(keyword, pipeline, body, elseBody));
                    break;
                default:
                    if (token.Text.StartsWith("/*", StringComparison.Ordinal)) break;
                    nodes.Add(new ActionNode(token.Text));
                    break;
            }
        }
        terminator = null;
        return nodes;
    }

    private static string FirstWord(string text)
    {
        int space = text.IndexOfAny([' ', '\t']);
        return space < 0 ? text : text[..space];
    }

    // ---- evaluation ----

    private static void Render(List<Node> nodes, JsonElement dot, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    break;
                case ActionNode action:
                    output.Append(Print(EvaluatePipeline(action.Pipeline, dot)));
                    break;
                case BlockNode { Keyword: "range" } block:
                    var items = EvaluatePipeline(block.Pipeline, dot);
                    var elements = items is JsonElement { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToList()
                        : items is JsonElement { ValueKind: JsonValueKind.Object } map ? map.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Value).ToList()
                        : [];
                    if (elements.Count == 0 && block.Else is not null) Render(block.Else, dot, output);
                    foreach (var element in elements) Render(block.Body, element, output);
                    break;
                case BlockNode block:
                    var value = EvaluatePipeline(block.Pipeline, dot);
                    if (IsTrue(value)) Render(block.Body, block.Keyword == "with" && value is JsonElement e ? e : dot, output);
                    else if (block.Else is not null) Render(block.Else, dot, output);
                    break;
            }
        }
    }

    private static object? EvaluatePipeline(string pipeline, JsonElement dot)
    {
        object? value = null;
        bool first = true;
        foreach (var command in SplitOutsideQuotes(pipeline, '|'))
        {
            var words = SplitOutsideQuotes(command.Trim(), ' ').Where(w => w.Length > 0).ToList();
            if (words.Count == 0) throw Error($"empty command in \"{pipeline}\"");
            var args = words.Skip(1).Select(w => Operand(w, dot)).ToList();
            if (!first) args.Add(value);
            value = words.Count == 1 && first && !IsFunction(words[0]) ? Operand(words[0], dot) : Call(words[0], args, dot);
            first = false;
        }
        return value;
    }

    private static bool IsFunction(string word) => word is "json" or "join" or "index" or "len" or "upper" or "lower" or "title" or "println" or "print" or "printf" or "split" or "truncate" or "pad";

    private static object? Call(string name, List<object?> args, JsonElement dot)
    {
        if (!IsFunction(name))
        {
            if (args.Count == 0) return Operand(name, dot);
            throw Error($"function \"{name}\" not defined");
        }
        return name switch
        {
            "json" => Json(Arg(args, 0, name)),
            "join" => string.Join(ArgString(args, 1, name), Items(Arg(args, 0, name)).Select(Print)),
            "index" => Index(Arg(args, 0, name), args.Skip(1).ToList()),
            "len" => Items(Arg(args, 0, name)).Count(),
            "upper" => Print(Arg(args, 0, name)).ToUpperInvariant(),
            "lower" => Print(Arg(args, 0, name)).ToLowerInvariant(),
            "title" => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(Print(Arg(args, 0, name))),
            "split" => Split(ArgString(args, 0, name), ArgString(args, 1, name)),
            "truncate" => Truncate(ArgString(args, 0, name), args.Count > 1 ? args[1] : null),
            "pad" => ArgString(args, 0, name),
            "println" => string.Join(' ', args.Select(Print)) + "\n",
            "print" => string.Concat(args.Select(Print)),
            "printf" => Printf(ArgString(args, 0, name), args.Skip(1).ToList()),
            _ => throw Error($"function \"{name}\" not defined"),
        };
    }

    private static object? Arg(List<object?> args, int i, string name) =>
        i < args.Count ? args[i] : throw Error($"wrong number of args for {name}");

    private static string ArgString(List<object?> args, int i, string name) => Print(Arg(args, i, name));

    private static object Split(string s, string separator)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var part in s.Split(separator)) writer.WriteStringValue(part);
            writer.WriteEndArray();
        }
        return JsonDocument.Parse(buffer.ToArray()).RootElement;
    }

    private static string Truncate(string s, object? length) =>
        length is long n && n >= 0 && s.Length > n ? s[..(int)n] : s;

    private static string Printf(string format, List<object?> args)
    {
        var output = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                output.Append(format[i]);
                continue;
            }
            char verb = format[++i];
            if (verb == '%') output.Append('%');
            else if (verb == 'q') output.Append('"').Append(Print(next < args.Count ? args[next++] : null)).Append('"');
            else output.Append(Print(next < args.Count ? args[next++] : null));
        }
        return output.ToString();
    }

    private static object? Index(object? collection, List<object?> keys)
    {
        foreach (var key in keys)
        {
            if (collection is not JsonElement element) throw Error("index of a non-collection");
            collection = (element.ValueKind, key) switch
            {
                (JsonValueKind.Array, long i) when i >= 0 && i < element.GetArrayLength() => element[(int)i],
                (JsonValueKind.Array, long) => throw Error("index out of range"),
                (JsonValueKind.Object, string k) => element.TryGetProperty(k, out var v) ? v : null,
                _ => throw Error("cannot index with that key"),
            };
        }
        return collection;
    }

    private static IEnumerable<object?> Items(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select(e => (object?)e),
        JsonElement { ValueKind: JsonValueKind.Object } o => o.EnumerateObject().Select(p => (object?)p.Value),
        JsonElement { ValueKind: JsonValueKind.String } s => s.GetString()!.Select(c => (object?)c.ToString()),
        string s => s.Select(c => (object?)c.ToString()),
        _ => [],
    };

    /// <summary>An operand: <c>.</c>, <c>.Field.Sub</c>, a quoted string, a number, or true/false.</summary>
    private static object? Operand(string word, JsonElement dot)
    {
        if (word == ".") return dot;
        if (word.StartsWith('.')) return Field(dot, word[1..].Split('.'));
        if (word.Length >= 2 && (word[0] == '"' && word[^1] == '"' || word[0] == '`' && word[^1] == '`'))
        {
            return word[0] == '`' ? word[1..^1] : Unquote(word);
        }
        if (long.TryParse(word, NumberStyles.Integer, CultureInfo.InvariantCulture, out long number)) return number;
        if (word is "true" or "false") return word == "true";
        if (word == "nil") return null;
        throw Error($"function \"{word}\" not defined");
    }

    private static string Unquote(string quoted)
    {
        try
        {
            return JsonSerializer.Deserialize(quoted, GoTemplateJsonContext.Default.String) ?? "";
        }
        catch (JsonException)
        {
            throw Error($"malformed string {quoted}");
        }
    }

    private static object? Field(JsonElement value, string[] path)
    {
        object? current = value;
        foreach (var name in path)
        {
            if (current is not JsonElement { ValueKind: JsonValueKind.Object } element)
            {
                throw Error($"can't evaluate field {name} in type {TypeName(current)}");
            }
            current = !element.TryGetProperty(name, out var property) ? new MissingField(name)
                : property.ValueKind == JsonValueKind.Null ? new NullField(name)
                : property;
        }
        return current;
    }

    /// <summary>A field the data does not have: Go prints <c>&lt;no value&gt;</c> for a missing map key.</summary>
    private sealed record MissingField(string Name);

    /// <summary>A null field. Docker's nullable fields are slices or maps, which Go prints as [] and map[].</summary>
    private sealed record NullField(string Name)
    {
        public override string ToString() => Name is "Labels" or "Volumes" or "ExposedPorts" or "Options" ? "map[]" : "[]";
    }

    private static string TypeName(object? value) => value switch
    {
        JsonElement e => e.ValueKind.ToString().ToLowerInvariant(),
        MissingField => "<no value>",
        null => "<nil>",
        _ => value.GetType().Name.ToLowerInvariant(),
    };

    private static bool IsTrue(object? value) => value switch
    {
        null or MissingField or NullField => false,
        bool b => b,
        long n => n != 0,
        string s => s.Length > 0,
        JsonElement e => e.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.False => false,
            JsonValueKind.String => e.GetString()!.Length > 0,
            JsonValueKind.Array => e.GetArrayLength() > 0,
            JsonValueKind.Object => e.EnumerateObject().Any(),
            JsonValueKind.Number => e.GetDouble() != 0,
            _ => true,
        },
        _ => true,
    };

    private static string Json(object? value)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, OciDocuments.WriterOptions))
        {
            switch (value)
            {
                case JsonElement e: e.WriteTo(writer); break;
                case NullField: writer.WriteNullValue(); break;
                case string s: writer.WriteStringValue(s); break;
                case long n: writer.WriteNumberValue(n); break;
                case int n: writer.WriteNumberValue(n); break;
                case bool b: writer.WriteBooleanValue(b); break;
                default: writer.WriteNullValue(); break;
            }
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Prints a value as Go's fmt prints it.</summary>
    public static string Print(object? value) => value switch
    {
        null => "<nil>",
        MissingField => "<no value>",
        string s => s,
        bool b => b ? "true" : "false",
        long or int => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        JsonElement e => PrintElement(e, null),
        _ => value.ToString() ?? "",
    };

    private static string PrintElement(JsonElement e, string? name) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => name is null ? "<nil>" : new NullField(name).ToString(),
        JsonValueKind.Array => "[" + string.Join(' ', e.EnumerateArray().Select(i => PrintElement(i, null))) + "]",
        JsonValueKind.Object => "map[" + string.Join(' ', e.EnumerateObject()
            .OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + PrintElement(p.Value, p.Name))) + "]",
        _ => "",
    };

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                current.Append(c);
                if (c == '\\' && quote == '"' && i + 1 < text.Length) current.Append(text[++i]);
                else if (c == quote) quote = '\0';
            }
            else if (c is '"' or '`')
            {
                quote = c;
                current.Append(c);
            }
            else if (c == separator || (separator == ' ' && c == '\t'))
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        if (quote != '\0') throw Error("unterminated quoted string");
        parts.Add(current.ToString());
        return parts;
    }

    private static InvalidInputException Error(string message) => new($"template: {message}");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class GoTemplateJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
