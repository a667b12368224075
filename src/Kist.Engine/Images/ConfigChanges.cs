using System.Text.Json;
using Kist.Oci;

namespace Kist.Engine.Images;

/// <summary>
/// The Dockerfile instructions that <c>docker import --change</c> and <c>docker commit --change</c> accept:
/// CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
/// </summary>
public static class ConfigChanges
{
    public static ContainerConfig Apply(ContainerConfig config, IEnumerable<string> changes)
    {
        bool cmdSet = false;
        foreach (var change in changes) config = ApplyOne(config, change, ref cmdSet);
        return config;
    }

    private static ContainerConfig ApplyOne(ContainerConfig config, string change, ref bool cmdSet)
    {
        string line = change.Trim();
        int space = line.IndexOfAny([' ', '\t']);
        string keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
        string rest = space < 0 ? "" : line[(space + 1)..].Trim();
        cmdSet |= keyword == "CMD";
        return keyword switch
        {
            "CMD" => config with { Cmd = CommandForm(rest) },
            // As in a Dockerfile: a new entrypoint drops the old command, unless the changes set one.
            "ENTRYPOINT" => config with { Entrypoint = CommandForm(rest), Cmd = cmdSet ? config.Cmd : null },
            "ENV" => config with { Env = MergeEnv(config.Env, KeyValues(rest, "ENV", allowLegacy: true)) },
            "LABEL" => config with { Labels = Merge(config.Labels, KeyValues(rest, "LABEL", allowLegacy: false)) },
            "EXPOSE" => config with { ExposedPorts = AddKeys(config.ExposedPorts, Words(rest).SelectMany(ExpandPort)) },
            "VOLUME" => config with { Volumes = AddKeys(config.Volumes, JsonArray(rest) ?? Words(rest)) },
            "WORKDIR" => config with { WorkingDir = Workdir(config.WorkingDir, Required(rest, keyword)) },
            "USER" => config with { User = Required(rest, keyword) },
            "STOPSIGNAL" => config with { StopSignal = Required(rest, keyword) },
            "ONBUILD" => config with { OnBuild = [.. config.OnBuild ?? [], Required(rest, keyword)] },
            "" => throw new InvalidInputException("empty --change"),
            _ => throw new InvalidInputException($"{keyword} is not a valid change command"),
        };
    }

    private static string Required(string value, string keyword) =>
        value.Length > 0 ? value : throw new InvalidInputException($"{keyword} requires an argument");

    /// <summary>The exec form (a JSON array of strings) or the shell form, wrapped in <c>/bin/sh -c</c>.</summary>
    private static IReadOnlyList<string> CommandForm(string rest) => JsonArray(rest) ?? ["/bin/sh", "-c", rest];

    private static List<string>? JsonArray(string rest)
    {
        if (!rest.StartsWith('[')) return null;
        try
        {
            using var doc = JsonDocument.Parse(rest);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return null;
            var items = new List<string>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) return null;
                items.Add(item.GetString()!);
            }
            return items;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<KeyValuePair<string, string>> KeyValues(string rest, string keyword, bool allowLegacy)
    {
        var words = Words(rest);
        if (words.Count == 0) throw new InvalidInputException($"{keyword} requires at least one argument");
        if (allowLegacy && !words[0].Contains('='))
        {
            // ENV key value: everything after the first word is the value.
            string trimmed = rest.TrimStart();
            int split = trimmed.IndexOfAny([' ', '\t']);
            if (split < 0) throw new InvalidInputException($"{keyword} names {words[0]} without a value");
            return [new(words[0], string.Join(' ', Words(trimmed[(split + 1)..])))];
        }
        return words.Select(w =>
        {
            int eq = w.IndexOf('=');
            if (eq <= 0) throw new InvalidInputException($"{keyword}: \"{w}\" is not KEY=VALUE");
            return new KeyValuePair<string, string>(w[..eq], w[(eq + 1)..]);
        }).ToList();
    }

    /// <summary>Splits on blanks, honouring single and double quotes and backslash escapes.</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < text.Length) current.Append(text[++i]);
                else current.Append(c);
            }
            else if (c is '"' or '\'') { quote = c; inWord = true; }
            else if (c == '\\' && i + 1 < text.Length) { current.Append(text[++i]); inWord = true; }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else { current.Append(c); inWord = true; }
        }
        if (quote != '\0') throw new InvalidInputException($"unterminated quote in \"{text}\"");
        if (inWord) words.Add(current.ToString());
        return words;
    }

    private static IEnumerable<string> ExpandPort(string spec)
    {
        string[] parts = spec.Split('/', 2);
        string protocol = parts.Length == 2 ? parts[1].ToLowerInvariant() : "tcp";
        if (protocol is not ("tcp" or "udp" or "sctp")) throw new InvalidInputException($"invalid protocol in port \"{spec}\"");
        string[] range = parts[0].Split('-', 2);
        if (!ushort.TryParse(range[0], out ushort first) || first == 0) throw new InvalidInputException($"invalid port \"{spec}\"");
        ushort last = first;
        if (range.Length == 2 && (!ushort.TryParse(range[1], out last) || last < first)) throw new InvalidInputException($"invalid port range \"{spec}\"");
        for (int port = first; port <= last; port++) yield return $"{port}/{protocol}";
    }

    private static List<string> MergeEnv(IReadOnlyList<string>? env, IEnumerable<KeyValuePair<string, string>> values)
    {
        var result = env?.ToList() ?? [];
        foreach (var (key, value) in values)
        {
            int existing = result.FindIndex(e => e.StartsWith(key + "=", StringComparison.Ordinal) || e == key);
            string entry = key + "=" + value;
            if (existing >= 0) result[existing] = entry;
            else result.Add(entry);
        }
        return result;
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? labels, IEnumerable<KeyValuePair<string, string>> values)
    {
        var result = labels?.ToDictionary() ?? [];
        foreach (var (key, value) in values) result[key] = value;
        return result;
    }

    private static Dictionary<string, EmptyObject> AddKeys(IReadOnlyDictionary<string, EmptyObject>? existing, IEnumerable<string> keys)
    {
        var result = existing?.ToDictionary() ?? [];
        foreach (var key in keys) result[key] = EmptyObject.Instance;
        return result;
    }

    private static string Workdir(string? current, string path) =>
        path.StartsWith('/') ? path : System.IO.Path.Combine(string.IsNullOrEmpty(current) ? "/" : current, path);
}
