namespace Kist.Runtime.Bundle;

/// <summary>The generated /etc/hostname, /etc/hosts and /etc/resolv.conf that docker bind-mounts into a container.</summary>
public static class EtcFiles
{
    public static string Hostname(string hostname) => hostname + "\n";

    /// <summary>docker's hosts file: loopback and IPv6 names, then the container's own address when it has one.</summary>
    public static string Hosts(string hostname, string? ipAddress)
    {
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
        if (!string.IsNullOrEmpty(ipAddress)) text += $"{ipAddress}\t{hostname}\n";
        return text;
    }

    /// <summary>
    /// The host's resolv.conf without loopback name servers (unreachable from a network namespace); Google's
    /// servers when none is left, as docker does.
    /// </summary>
    public static string ResolvConf(string hostResolvConf, bool hostNetwork)
    {
        if (hostNetwork) return hostResolvConf;
        var lines = hostResolvConf.Split('\n').Where(l =>
        {
            var f = l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return !(f.Length >= 2 && f[0] == "nameserver" && (f[1].StartsWith("127.", StringComparison.Ordinal) || f[1] == "::1"));
        }).ToList();
        string text = string.Join('\n', lines).TrimEnd('\n') + "\n";
        if (!lines.Any(l => l.TrimStart().StartsWith("nameserver", StringComparison.Ordinal)))
            text = text.TrimStart('\n') + "\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n";
        return text.TrimStart('\n');
    }

    public static string ReadHostFile(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
    }
}
