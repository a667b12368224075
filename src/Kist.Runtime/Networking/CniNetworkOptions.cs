namespace Kist.Runtime.Networking;

/// <summary>
/// Where the CNI plugins are and what Kist's bridge network looks like. Everything is machine-wide on purpose: every
/// Kist root on the machine shares one bridge and one IPAM pool, and per-container state is keyed by container ID.
/// </summary>
public sealed record CniNetworkOptions
{
    /// <summary>Debian's <c>containernetworking-plugins</c> install here.</summary>
    public string PluginDirectory { get; init; } = "/usr/lib/cni";

    /// <summary>One <c>ID.json</c> per attached container (the configs and results used), so that DEL works after a crash.</summary>
    public string StateDirectory { get; init; } = "/run/kist/net";

    /// <summary>host-local's allocations (on tmpfs: forgotten with the namespaces at reboot).</summary>
    public string IpamDataDirectory { get; init; } = "/run/kist/cni";

    public string NetworkName { get; init; } = "kist";

    public string BridgeName { get; init; } = "kist0";

    /// <summary>Neither docker's 172.17.0.0/16 (nor its 172.18-31 pools) nor podman's and buildah's 10.88.0.0/16.</summary>
    public string Subnet { get; init; } = "10.213.0.0/16";

    /// <summary>Interface MTU; 0 leaves the bridge plugin's default (1500, as docker).</summary>
    public int Mtu { get; init; }

    public static CniNetworkOptions Default { get; } = new();
}
