using System.Text;

namespace Kist.Runtime.Networking;

/// <summary>A container's <c>/etc/hosts</c>, as docker writes it.</summary>
public static class HostsFile
{
    /// <summary>Docker's fixed lines, tab-separated.</summary>
    public const string DefaultContent =
        "127.0.0.1\tlocalhost\n" +
        "::1\tlocalhost ip6-localhost ip6-loopback\n" +
        "fe00::0\tip6-localnet\n" +
        "ff00::0\tip6-mcastprefix\n" +
        "ff02::1\tip6-allnodes\n" +
        "ff02::2\tip6-allrouters\n";

    /// <summary>The host's <c>/etc/hosts</c>, which host mode shares; empty when unreadable.</summary>
    public static string ReadHost()
    {
        try { return File.ReadAllText("/etc/hosts"); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>
    /// Host mode: the host's own file unchanged (<paramref name="hostHostsText"/>, docker copies <c>/etc/hosts</c>).
    /// Otherwise the localhost lines, then, with an address, <c>IP\tHOSTNAME</c> (<c>IP\tfoo.example.com foo</c> for a
    /// hostname with a domain, as docker splits it).
    /// </summary>
    public static string Render(string hostname, NetworkAttachment attachment, string? hostHostsText = null)
    {
        if (attachment.Mode == NetworkMode.Host) return hostHostsText ?? DefaultContent;
        var text = new StringBuilder(DefaultContent);
        if (attachment.IPAddress is { Length: > 0 } ip && hostname.Length > 0)
        {
            text.Append(ip).Append('\t').Append(hostname);
            int dot = hostname.IndexOf('.');
            if (dot > 0) text.Append(' ').Append(hostname, 0, dot);
            text.Append('\n');
        }
        return text.ToString();
    }
}
