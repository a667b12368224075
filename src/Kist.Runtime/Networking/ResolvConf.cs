using System.Text.RegularExpressions;

namespace Kist.Runtime.Networking;

/// <summary>A container's <c>/etc/resolv.conf</c>, as docker derives it from the host's.</summary>
public static partial class ResolvConf
{
    public const string HostPath = "/etc/resolv.conf";
    private const string SystemdResolvedPath = "/run/systemd/resolve/resolv.conf";

    /// <summary>
    /// Host mode: the host's file unchanged. Otherwise (docker's FilterResolvDNS without IPv6): localhost and IPv6
    /// nameservers are dropped, and when none remain docker's defaults 8.8.8.8 and 8.8.4.4 are appended.
    /// </summary>
    public static string Render(NetworkMode mode, string hostResolvConfText)
    {
        if (mode == NetworkMode.Host) return hostResolvConfText;
        string cleaned = LocalhostNameserver().Replace(hostResolvConfText, "");
        cleaned = Ipv6Nameserver().Replace(cleaned, "");
        if (!AnyNameserver().IsMatch(cleaned)) cleaned += "\nnameserver 8.8.8.8\nnameserver 8.8.4.4";
        return cleaned;
    }

    /// <summary>
    /// The host's resolv.conf text as docker picks it: with systemd-resolved's stub (only 127.0.0.53) the real upstream
    /// list in /run/systemd/resolve/resolv.conf; an empty text when there is none.
    /// </summary>
    public static string ReadHost()
    {
        string text = TryRead(HostPath) ?? "";
        var nameservers = NameserverValue().Matches(text).Select(m => m.Groups[1].Value).ToList();
        if (nameservers.Count == 1 && nameservers[0] == "127.0.0.53" && TryRead(SystemdResolvedPath) is { } upstream) return upstream;
        return text;
    }

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    [GeneratedRegex(@"(?m)^\s*nameserver\s*((127\.([0-9]{1,3}\.){2}[0-9]{1,3})|(::1))\s*\n*")]
    private static partial Regex LocalhostNameserver();

    [GeneratedRegex(@"(?m)^\s*nameserver\s*[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(%[^\s]+)?\s*\n*")]
    private static partial Regex Ipv6Nameserver();

    [GeneratedRegex(@"(?m)^\s*nameserver\s+\S")]
    private static partial Regex AnyNameserver();

    [GeneratedRegex(@"(?m)^\s*nameserver\s+(\S+)")]
    private static partial Regex NameserverValue();
}
