using System.Globalization;
using Kist.Oci;
using Kist.Runtime.Networking;
using Kist.Runtime.State;

namespace Kist.Engine.Containers;

/// <summary>docker's readings of <c>--memory</c>, <c>--cpus</c>, <c>-p</c>, <c>-v</c>, <c>--tmpfs</c> and <c>--label</c>.</summary>
public static class FlagParsers
{
    /// <summary>go-units RAMInBytes: "64m", "1g", "512k", "100" (binary multiples).</summary>
    public static long Bytes(string value)
    {
        string s = value.Trim().ToLowerInvariant();
        if (s.EndsWith('b')) s = s[..^1];
        long multiplier = 1;
        if (s.Length > 0 && "kmgtp".Contains(s[^1]))
        {
            multiplier = s[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 1L << 50 };
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || n < 0)
            throw new InvalidInputException($"invalid size: '{value}'");
        return (long)(n * multiplier);
    }

    public static long NanoCpus(string value)
    {
        if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal cpus) || cpus < 0)
            throw new InvalidInputException($"invalid argument \"{value}\" for \"--cpus\" flag: failed to parse {value} as a rational number");
        return (long)(cpus * 1_000_000_000m);
    }

    /// <summary><c>[IP:]HOSTPORT:CONTAINERPORT[/PROTO]</c> or <c>CONTAINERPORT[/PROTO]</c> (host port 0: any free one).</summary>
    public static PortMapping Port(string value)
    {
        string spec = value, protocol = "tcp";
        int slash = spec.LastIndexOf('/');
        if (slash >= 0) { protocol = spec[(slash + 1)..].ToLowerInvariant(); spec = spec[..slash]; }
        if (protocol is not ("tcp" or "udp" or "sctp")) throw new InvalidInputException($"invalid proto: {protocol}");
        var parts = spec.Split(':');
        string ip = "", host = "", container;
        switch (parts.Length)
        {
            case 1: container = parts[0]; break;
            case 2: host = parts[0]; container = parts[1]; break;
            case 3: ip = parts[0]; host = parts[1]; container = parts[2]; break;
            default: throw new InvalidInputException($"invalid port format: {value}");
        }
        if (!int.TryParse(container, out int cport) || cport is < 1 or > 65535) throw new InvalidInputException($"invalid containerPort: {container}");
        int hport = 0;
        if (host.Length > 0 && (!int.TryParse(host, out hport) || hport is < 0 or > 65535)) throw new InvalidInputException($"invalid hostPort: {host}");
        return new PortMapping(hport, cport, protocol, ip);
    }

    /// <summary>
    /// <c>-v</c>: <c>/host:/ctr[:ro|rw]</c> is a bind mount, <c>NAME:/ctr[:ro]</c> a named volume, <c>/ctr</c> an anonymous one
    /// (Source empty for volumes until the volume store made them).
    /// </summary>
    public static MountSpec Volume(string value)
    {
        var parts = value.Split(':');
        string? mode = null;
        if (parts.Length == 3 || (parts.Length == 2 && parts[1] is "ro" or "rw" && !parts[1].StartsWith('/')))
        {
            mode = parts[^1];
            parts = parts[..^1];
        }
        if (mode is not (null or "ro" or "rw" or "z" or "Z")) throw new InvalidInputException($"invalid mode: {mode}");
        bool ro = mode == "ro";
        if (parts.Length == 1)
        {
            string dest = Destination(parts[0], value);
            return new MountSpec { Type = "volume", Source = "", Destination = dest, ReadOnly = ro };
        }
        if (parts.Length != 2 || parts[0].Length == 0) throw new InvalidInputException($"invalid volume specification: '{value}'");
        string destination = Destination(parts[1], value);
        if (parts[0].StartsWith('/') || parts[0].StartsWith('.'))
            return new MountSpec { Type = "bind", Source = Path.GetFullPath(parts[0]), Destination = destination, ReadOnly = ro };
        if (!NameGenerator.IsValid(parts[0]) && parts[0].Length > 1)
            throw new InvalidInputException($"\"{parts[0]}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        return new MountSpec { Type = "volume", Source = "", Name = parts[0], Destination = destination, ReadOnly = ro };
    }

    /// <summary><c>--tmpfs /path[:opts]</c>: docker adds size/mode options as given.</summary>
    public static MountSpec Tmpfs(string value)
    {
        int colon = value.IndexOf(':');
        string path = colon < 0 ? value : value[..colon];
        var options = colon < 0 ? [] : value[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
        return new MountSpec { Type = "tmpfs", Source = "tmpfs", Destination = Destination(path, value), Options = options };
    }

    public static KeyValuePair<string, string> Label(string value)
    {
        int eq = value.IndexOf('=');
        return eq < 0 ? new(value, "") : new(value[..eq], value[(eq + 1)..]);
    }

    private static string Destination(string path, string spec)
    {
        if (!path.StartsWith('/')) throw new InvalidInputException($"invalid mount config for type \"volume\": invalid mount path: '{path}' mount path must be absolute ({spec})");
        if (path == "/") throw new InvalidInputException("invalid specification: destination can't be '/'");
        return path.TrimEnd('/');
    }
}
