using System.Net;

namespace Kist.Registry;

/// <summary>Where a registry name (as references spell it) is reached on the network.</summary>
public static class RegistryHosts
{
    public const string DockerHub = "docker.io";
    public const string DockerHubApiHost = "registry-1.docker.io";
    /// <summary>The key docker's config.json uses for Docker Hub.</summary>
    public const string DockerHubConfigKey = "https://index.docker.io/v1/";

    /// <summary>The host[:port] the API is served on: Docker Hub's name maps to its API host.</summary>
    public static string ApiHost(string registry) =>
        registry is DockerHub or "index.docker.io" or "registry-1.docker.io" ? DockerHubApiHost : registry;

    /// <summary>The registry name credentials are kept under: <c>docker.io</c> for Docker Hub, else host[:port].</summary>
    public static string Normalize(string server) => Credentials.RegistryKeys.Normalize(server);

    /// <summary>Whether plain HTTP is allowed as docker allows it: localhost, 127.0.0.0/8 and ::1.</summary>
    public static bool IsLoopback(string hostAndPort)
    {
        string host = HostPart(hostAndPort);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>The host without its port (IPv6 brackets kept off).</summary>
    public static string HostPart(string hostAndPort)
    {
        if (hostAndPort.StartsWith('['))
        {
            int end = hostAndPort.IndexOf(']');
            return end > 0 ? hostAndPort[1..end] : hostAndPort;
        }
        int colon = hostAndPort.LastIndexOf(':');
        return colon > 0 ? hostAndPort[..colon] : hostAndPort;
    }
}
