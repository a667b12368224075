using System.Globalization;
using System.Text;

namespace Kist.Dockerfile.Instructions;

public enum MountType { Bind, Cache, Tmpfs, Secret, Ssh }

public enum CacheSharing { Shared, Private, Locked }

/// <summary>One <c>RUN --mount=…</c> option, parsed with BuildKit's rules and defaults.</summary>
public sealed record RunMount
{
    public MountType Type { get; init; } = MountType.Bind;
    public string? Target { get; init; }
    public string? Source { get; init; }
    public string? From { get; init; }
    /// <summary>The cache id (cache mounts) or secret/ssh id.</summary>
    public string? Id { get; init; }
    public CacheSharing? Sharing { get; init; }
    public uint? Mode { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
    public bool Required { get; init; }
    /// <summary>Read-only: explicit, or the default (bind, secret and ssh mounts are read-only; cache and tmpfs are not).</summary>
    public bool ReadOnly { get; init; }
    /// <summary>tmpfs <c>size</c> in bytes.</summary>
    public long? Size { get; init; }
    /// <summary>Secret mounts: expose the secret as this environment variable.</summary>
    public string? Env { get; init; }
    /// <summary>The option text as written.</summary>
    public string Spec { get; init; } = "";
    /// <summary>Some value still holds a <c>$</c> reference: the mount is validated again after expansion.</summary>
    public bool NeedsExpansion { get; init; }

    private static readonly string[] Keys = ["type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro", "readwrite", "rw", "required", "size", "id", "sharing", "mode", "uid", "gid", "env"];

    /// <summary>
    /// Parses a mount spec. With <paramref name="expand"/> null, values holding <c>$</c> are kept and not
    /// validated (the build expands and re-parses them); otherwise every value is expanded first.
    /// </summary>
    public static RunMount Parse(string spec, Func<string, string>? expand = null)
    {
        var fields = ReadCsv(spec);
        MountType type = MountType.Bind;
        string? target = null, source = null, from = null, id = null, env = null;
        CacheSharing? sharing = null;
        uint? mode = null, uid = null, gid = null;
        long? size = null;
        var ro = false;
        var roAuto = true;
        var required = false;
        var deferred = false;
        foreach (var field in fields)
        {
            var eq = field.IndexOf('=');
            var key = (eq < 0 ? field : field[..eq]).ToLowerInvariant();
            if (eq < 0)
            {
                switch (key)
                {
                    case "readonly" or "ro": ro = true; roAuto = false; continue;
                    case "readwrite" or "rw": ro = false; roAuto = false; continue;
                    case "required":
                        if (type is MountType.Secret or MountType.Ssh) { required = true; continue; }
                        throw new DockerfileException($"unexpected key '{key}' for mount type '{Name(type)}'");
                    default:
                        throw new DockerfileException($"invalid field '{field}' must be a key=value pair");
                }
            }
            var value = field[(eq + 1)..];
            if (expand is not null) value = expand(value);
            else if (value.Contains('$'))
            {
                if (key == "from" && value.IndexOf('$') != value.Length - 1)
                    throw new DockerfileException($"'{key}' doesn't support variable expansion, define alias stage instead");
                if (Array.IndexOf(Keys, key) < 0) throw UnknownKey(key, field);
                deferred = true;
                switch (key)
                {
                    case "source" or "src": source = value; break;
                    case "target" or "dst" or "destination": target = value; break;
                    case "id": id = value; break;
                    case "env": env = value; break;
                }
                continue;
            }
            switch (key)
            {
                case "type":
                    type = value.ToLowerInvariant() switch
                    {
                        "bind" => MountType.Bind,
                        "cache" => MountType.Cache,
                        "tmpfs" => MountType.Tmpfs,
                        "secret" => MountType.Secret,
                        "ssh" => MountType.Ssh,
                        _ => throw new DockerfileException($"unsupported mount type \"{value}\"" + Suggest.DidYouMean(value, ["bind", "cache", "tmpfs", "secret", "ssh"])),
                    };
                    break;
                case "from": from = value; break;
                case "source" or "src": source = value; break;
                case "target" or "dst" or "destination": target = value; break;
                case "readonly" or "ro": ro = ParseBool(key, value); roAuto = false; break;
                case "readwrite" or "rw": ro = !ParseBool(key, value); roAuto = false; break;
                case "required":
                    if (type is not (MountType.Secret or MountType.Ssh)) throw new DockerfileException($"unexpected key '{key}' for mount type '{Name(type)}'");
                    required = ParseBool(key, value);
                    break;
                case "size":
                    if (type != MountType.Tmpfs) throw new DockerfileException($"unexpected key '{key}' for mount type '{Name(type)}'");
                    size = ParseRamBytes(value) ?? throw new DockerfileException($"invalid value for {key}: {value}");
                    break;
                case "id": id = value; break;
                case "sharing":
                    if (value.Length > 0)
                    {
                        sharing = value.ToLowerInvariant() switch
                        {
                            "shared" => CacheSharing.Shared,
                            "private" => CacheSharing.Private,
                            "locked" => CacheSharing.Locked,
                            _ => throw new DockerfileException($"unsupported sharing value \"{value}\""),
                        };
                    }
                    break;
                case "mode":
                    try { mode = Convert.ToUInt32(value, 8); }
                    catch (Exception e) when (e is FormatException or OverflowException or ArgumentException) { throw new DockerfileException($"invalid value {value} for mode"); }
                    break;
                case "uid":
                    uid = uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : throw new DockerfileException($"invalid value {value} for uid");
                    break;
                case "gid":
                    gid = uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : throw new DockerfileException($"invalid value {value} for gid");
                    break;
                case "env": env = value; break;
                default:
                    throw UnknownKey(key, field);
            }
        }
        if (type is not (MountType.Secret or MountType.Ssh or MountType.Cache))
        {
            if (mode is not null) throw new DockerfileException($"mode not allowed for \"{Name(type)}\" type mounts");
            if (uid is not null) throw new DockerfileException($"uid not allowed for \"{Name(type)}\" type mounts");
            if (gid is not null) throw new DockerfileException($"gid not allowed for \"{Name(type)}\" type mounts");
        }
        if (roAuto) ro = type is not (MountType.Cache or MountType.Tmpfs);
        if (sharing is not null && type != MountType.Cache) throw new DockerfileException($"invalid cache sharing set for {Name(type)} mount");
        if (type == MountType.Secret)
        {
            if (from is not null) throw new DockerfileException("secret mount should not have a from");
            if (source is null && target is null && id is null) throw new DockerfileException("invalid secret mount. one of source, target required");
            if (source is not null && id is not null) throw new DockerfileException("both source and id can't be set");
        }
        if (type is MountType.Bind or MountType.Cache or MountType.Tmpfs && string.IsNullOrEmpty(target))
            throw new DockerfileException($"mount type \"{Name(type)}\" requires a target");
        if (type == MountType.Cache && sharing is null) sharing = CacheSharing.Shared;
        return new RunMount
        {
            Type = type, Target = target, Source = source, From = from, Id = id, Sharing = sharing, Mode = mode, Uid = uid, Gid = gid,
            Required = required, ReadOnly = ro, Size = size, Env = env, Spec = spec, NeedsExpansion = deferred,
        };
    }

    public static string Name(MountType t) => t.ToString().ToLowerInvariant();

    private static DockerfileException UnknownKey(string key, string field) =>
        new($"unexpected key '{key}' in '{field}'" + Suggest.DidYouMean(key, Keys));

    private static bool ParseBool(string key, string value) => value switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => throw new DockerfileException($"invalid value for {key}: {value}"),
    };

    /// <summary>docker's units.RAMInBytes: <c>64m</c>, <c>1.5GiB</c>, <c>512</c> (binary multiples).</summary>
    internal static long? ParseRamBytes(string s)
    {
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        if (i == 0 || !double.TryParse(s.AsSpan(0, i), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return null;
        var unit = s[i..].Trim().ToLowerInvariant();
        if (unit.EndsWith("ib", StringComparison.Ordinal)) unit = unit[..^2];
        else if (unit.EndsWith('b')) unit = unit[..^1];
        double mult = unit switch { "" => 1, "k" => 1L << 10, "m" => 1L << 20, "g" => 1L << 30, "t" => 1L << 40, "p" => 1L << 50, _ => -1 };
        if (mult < 0) return null;
        return (long)(n * mult);
    }

    private static List<string> ReadCsv(string s)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < s.Length && s[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= s.Length) throw new DockerfileException($"failed to parse csv mounts: extraneous or missing \" in quoted-field: {s}");
                    if (s[i] == '"')
                    {
                        if (i + 1 < s.Length && s[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    sb.Append(s[i++]);
                }
                if (i < s.Length && s[i] != ',') throw new DockerfileException($"failed to parse csv mounts: extraneous or missing \" in quoted-field: {s}");
            }
            else
            {
                while (i < s.Length && s[i] != ',')
                {
                    if (s[i] == '"') throw new DockerfileException($"failed to parse csv mounts: bare \" in non-quoted-field: {s}");
                    sb.Append(s[i++]);
                }
            }
            fields.Add(sb.ToString());
            if (i >= s.Length) break;
            i++; // comma
        }
        return fields;
    }
}

/// <summary>"Did you mean" suggestions as BuildKit prints them.</summary>
internal static class Suggest
{
    public static string DidYouMean(string value, IEnumerable<string> options, bool caseSensitive = true)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var v = caseSensitive ? value : value.ToLowerInvariant();
        foreach (var o in options)
        {
            var d = Distance(v, caseSensitive ? o : o.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = o; }
        }
        var threshold = Math.Max(1, value.Length / 3);
        return best is not null && bestDistance <= threshold && bestDistance > 0 ? $" (did you mean {best}?)" : "";
    }

    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64) return int.MaxValue;
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}

/// <summary>The closest known name to an unknown one (for "did you mean" in lint messages).</summary>
public static class SuggestName
{
    public static string? Find(string name, IEnumerable<string> options)
    {
        var s = Suggest.DidYouMean(name, options);
        return s.Length == 0 ? null : s[" (did you mean ".Length..^"?)".Length];
    }
}
