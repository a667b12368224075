namespace Kist.Registry.Credentials;

/// <summary>
/// How docker names registries in <c>config.json</c>: Docker Hub as <c>https://index.docker.io/v1/</c>, every other
/// registry by its host (<c>HOST[:PORT]</c>). Older files and other tools also wrote <c>https://host</c> or
/// <c>http://host/v2/</c>; those keys still match their host, as docker's <c>ConvertToHostname</c> makes them.
/// </summary>
public static class RegistryKeys
{
    /// <summary>The key docker uses for Docker Hub.</summary>
    public const string DockerHubKey = "https://index.docker.io/v1/";

    /// <summary>The canonical host: scheme and path stripped, Docker Hub's aliases folded into <c>docker.io</c>.</summary>
    public static string Normalize(string registryOrKey)
    {
        string host = registryOrKey.Trim();
        if (host.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) host = host[8..];
        else if (host.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) host = host[7..];
        int slash = host.IndexOf('/');
        if (slash >= 0) host = host[..slash];
        host = host.ToLowerInvariant();
        return host is "docker.io" or "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? "docker.io" : host;
    }

    /// <summary>The key docker writes for <paramref name="registryHost"/>: what <c>docker login HOST</c> stores.</summary>
    public static string ConfigKey(string registryHost)
    {
        string host = Normalize(registryHost);
        if (host.Length == 0) throw new ArgumentException("registry host is empty", nameof(registryHost));
        return host == "docker.io" ? DockerHubKey : host;
    }

    /// <summary>Whether a key found in <c>config.json</c> names the same registry as <paramref name="registryHost"/>.</summary>
    public static bool Matches(string key, string registryHost) =>
        string.Equals(Normalize(key), Normalize(registryHost), StringComparison.Ordinal);
}
