using System.Globalization;

namespace Kist.Dockerfile.Instructions;

/// <summary>A port or port range with its protocol, as EXPOSE declares it (<c>80</c>, <c>53/udp</c>, <c>8000-8010/tcp</c>).</summary>
public sealed record ExposedPort(int Start, int End, string Protocol)
{
    public override string ToString() =>
        (Start == End ? Start.ToString(CultureInfo.InvariantCulture) : $"{Start}-{End}") + "/" + Protocol;

    /// <summary>
    /// Parses one EXPOSE word as docker does: the protocol defaults to <c>tcp</c> and is case-insensitive
    /// (<c>tcp</c>, <c>udp</c>, <c>sctp</c>); an <c>ip:hostPort:</c> prefix is ignored (BuildKit warns about it).
    /// </summary>
    public static ExposedPort Parse(string spec)
    {
        var s = spec;
        var colon = s.LastIndexOf(':');
        if (colon >= 0) s = s[(colon + 1)..];
        var protocol = "tcp";
        var slash = s.IndexOf('/');
        if (slash >= 0)
        {
            protocol = s[(slash + 1)..].ToLowerInvariant();
            s = s[..slash];
            if (protocol is not ("tcp" or "udp" or "sctp")) throw new DockerfileException($"invalid proto: {spec[(spec.IndexOf('/') + 1)..]}");
        }
        var dash = s.IndexOf('-');
        var startText = dash >= 0 ? s[..dash] : s;
        var endText = dash >= 0 ? s[(dash + 1)..] : s;
        if (!TryPort(startText, out var start) || !TryPort(endText, out var end))
            throw new DockerfileException($"invalid containerPort: {s}");
        if (end < start) throw new DockerfileException($"invalid range specified for container port: {s}");
        return new ExposedPort(start, end, protocol);
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
}
