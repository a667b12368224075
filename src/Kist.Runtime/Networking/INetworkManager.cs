namespace Kist.Runtime.Networking;

/// <summary>How a container is connected: docker's <c>--network none|host|bridge</c>.</summary>
public enum NetworkMode { None, Host, Bridge }

/// <summary>One <c>-p [HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTOCOL]</c> publication.</summary>
public sealed record PortMapping(int HostPort, int ContainerPort, string Protocol = "tcp", string HostIp = "");

public sealed record NetworkRequest(string ContainerId, NetworkMode Mode, string Hostname, IReadOnlyList<PortMapping> Ports);

/// <summary>
/// The result of attaching a container. For <see cref="NetworkMode.Bridge"/> the network namespace already exists at
/// <see cref="NetnsPath"/> (the container joins it by path); for <see cref="NetworkMode.None"/> the runtime creates a
/// fresh namespace with only loopback; for <see cref="NetworkMode.Host"/> there is no namespace.
/// </summary>
public sealed record NetworkAttachment(NetworkMode Mode, string? NetnsPath, string? IPAddress, int PrefixLength, string? Gateway, string? MacAddress);

/// <summary>Creates and removes a container's network (namespace, CNI ADD/DEL, published ports).</summary>
public interface INetworkManager
{
    ValueTask<NetworkAttachment> AttachAsync(NetworkRequest request, CancellationToken cancellationToken = default);

    /// <summary>Releases everything <see cref="AttachAsync"/> made for the container; idempotent.</summary>
    ValueTask DetachAsync(string containerId, CancellationToken cancellationToken = default);
}
