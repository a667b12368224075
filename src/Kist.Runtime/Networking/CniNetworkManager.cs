using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Kist.Oci;

namespace Kist.Runtime.Networking;

/// <summary>
/// Docker's three networks with the real CNI plugins. Bridge: a named namespace <c>/run/netns/kist-ID</c>, then
/// loopback, and the chain bridge (+ host-local IPAM) → portmap (only with <c>-p</c>); the bridge's masquerade and
/// FORWARD rules are the network's, made once (<see cref="FirewallRules.EnsureBridgeRulesAsync"/>). What was run is saved in
/// <c>StateDirectory/ID.json</c> before the first plugin runs, so that <see cref="DetachAsync"/> can undo it in any
/// process, even after a crash half-way through an attach.
/// </summary>
public sealed class CniNetworkManager(CniNetworkOptions? options = null) : INetworkManager
{
    public const string InterfaceName = "eth0";
    public const string NetnsPrefix = "kist-";

    private readonly CniNetworkOptions _options = options ?? CniNetworkOptions.Default;

    public CniNetworkOptions Options => _options;

    public async ValueTask<NetworkAttachment> AttachAsync(NetworkRequest request, CancellationToken cancellationToken = default)
    {
        ValidateContainerId(request.ContainerId);
        switch (request.Mode)
        {
            case NetworkMode.Host:
                return new NetworkAttachment(NetworkMode.Host, null, null, 0, null, null);
            case NetworkMode.None:
                // runc brings up lo itself in a namespace it creates (specconv adds a loopback network), as docker's none.
                return new NetworkAttachment(NetworkMode.None, null, null, 0, null, null);
        }
        foreach (var port in request.Ports) ValidatePort(port);

        string id = request.ContainerId;
        var state = new NetworkState(id, NetworkNamespace.PathOf(NetnsPrefix + id), request.Ports);
        state.Plugins.Add(new PluginRun("bridge", InterfaceName, CniConfigs.Bridge(_options)));
        if (request.Ports.Count > 0) state.Plugins.Add(new PluginRun("portmap", InterfaceName, CniConfigs.PortMap(_options, request.Ports)));

        Directory.CreateDirectory(_options.StateDirectory);
        using (await AcquireLockAsync(cancellationToken))
        {
            if (request.Ports.Count > 0) CheckPortsFree(id, request.Ports);
            await FirewallRules.EnsureBridgeRulesAsync(_options.BridgeName, _options.Subnet, cancellationToken);
            state.Save(StatePath(id));
        }
        try
        {
            NetworkNamespace.Create(NetnsPrefix + id);
            var loopback = CniPlugin.ExecAsync(_options.PluginDirectory, "loopback", "ADD", id, state.Netns, "lo", CniConfigs.Loopback(_options), cancellationToken);
            JsonObject? result = null;
            foreach (var plugin in state.Plugins)
            {
                var config = (JsonObject)plugin.Config.DeepClone();
                if (result is not null) config["prevResult"] = result;
                result = await CniPlugin.ExecAsync(_options.PluginDirectory, plugin.Type, "ADD", id, state.Netns, plugin.InterfaceName, config, cancellationToken)
                    ?? throw new NetworkException($"CNI {plugin.Type} ADD returned no result");
                state.Result = result;
                state.Save(StatePath(id));
            }
            await loopback;
            state.Attachment = ReadAttachment(state.Netns, state.Result!);
            state.Save(StatePath(id));
            return state.Attachment;
        }
        catch
        {
            try { await DetachAsync(id, CancellationToken.None); } catch (KistException) { } catch (IOException) { }
            throw;
        }
    }

    public async ValueTask DetachAsync(string containerId, CancellationToken cancellationToken = default)
    {
        ValidateContainerId(containerId);
        string statePath = StatePath(containerId);
        var state = NetworkState.TryLoad(statePath);
        string netns = state?.Netns ?? NetworkNamespace.PathOf(NetnsPrefix + containerId);
        var errors = new List<string>();
        bool netnsGone = !File.Exists(netns);
        if (state is not null)
        {
            // CNI DEL in reverse order, each with the final result as prevResult; DEL works without the namespace too.
            for (int i = state.Plugins.Count - 1; i >= 0; i--)
            {
                var plugin = state.Plugins[i];
                var config = (JsonObject)plugin.Config.DeepClone();
                if (state.Result is not null) config["prevResult"] = state.Result.DeepClone();
                try
                {
                    await CniPlugin.ExecAsync(_options.PluginDirectory, plugin.Type, "DEL", containerId, netns, plugin.InterfaceName, config, cancellationToken);
                }
                catch (NetworkException e)
                {
                    errors.Add(e.Message);
                }
            }
        }
        if (state is not null && netnsGone) await FirewallRules.RemoveContainerRulesAsync(containerId, cancellationToken);
        NetworkNamespace.Delete(netns);
        if (errors.Count > 0) throw new NetworkException($"releasing the network of {containerId}: {string.Join("; ", errors)}");
        if (state is not null) File.Delete(statePath);
    }

    /// <summary>The attachment saved for a container attached in bridge mode, or null.</summary>
    public NetworkAttachment? GetAttachment(string containerId)
    {
        ValidateContainerId(containerId);
        return NetworkState.TryLoad(StatePath(containerId))?.Attachment;
    }

    /// <summary>The published ports saved for a container attached in bridge mode (empty when none).</summary>
    public IReadOnlyList<PortMapping> GetPorts(string containerId)
    {
        ValidateContainerId(containerId);
        return NetworkState.TryLoad(StatePath(containerId))?.Ports ?? [];
    }

    /// <summary>Every container ID with saved network state on this machine (any root): reconcile and detach the dead ones.</summary>
    public IReadOnlyList<string> ListAttached()
    {
        if (!Directory.Exists(_options.StateDirectory)) return [];
        return Directory.EnumerateFiles(_options.StateDirectory, "*.json")
            .Select(p => Path.GetFileNameWithoutExtension(p))
            .Where(IsValidContainerId)
            .ToList();
    }

    private string StatePath(string containerId) => Path.Combine(_options.StateDirectory, containerId + ".json");

    private static bool IsValidContainerId(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') && id[0] != '.';

    private static void ValidateContainerId(string id)
    {
        if (!IsValidContainerId(id)) throw new InvalidInputException($"invalid container ID for networking: \"{id}\"");
    }

    private static void ValidatePort(PortMapping port)
    {
        if (port.HostPort is < 1 or > 65535) throw new InvalidInputException($"invalid host port: {port.HostPort}");
        if (port.ContainerPort is < 1 or > 65535) throw new InvalidInputException($"invalid container port: {port.ContainerPort}");
        if (port.Protocol is not ("tcp" or "udp" or "sctp")) throw new InvalidInputException($"invalid protocol: {port.Protocol}");
        if (port.HostIp.Length > 0 && !IPAddress.TryParse(port.HostIp, out _)) throw new InvalidInputException($"invalid IP address: {port.HostIp}");
    }

    /// <summary>
    /// docker refuses a host port that is taken ("port is already allocated"): by another Kist container (iptables DNAT
    /// would silently shadow it) or by a listening process (docker-proxy would fail to bind).
    /// </summary>
    private void CheckPortsFree(string containerId, IReadOnlyList<PortMapping> ports)
    {
        foreach (string other in ListAttached())
        {
            if (other == containerId) continue;
            foreach (var taken in NetworkState.TryLoad(StatePath(other))?.Ports ?? [])
            {
                foreach (var port in ports)
                {
                    if (port.HostPort == taken.HostPort && port.Protocol == taken.Protocol && Overlaps(port.HostIp, taken.HostIp))
                    {
                        throw Allocated(port);
                    }
                }
            }
        }
        foreach (var port in ports)
        {
            if (port.Protocol == "sctp") continue;
            var address = port.HostIp is { Length: > 0 } ip ? IPAddress.Parse(ip) : IPAddress.Any;
            using var socket = new Socket(address.AddressFamily, port.Protocol == "udp" ? SocketType.Dgram : SocketType.Stream,
                port.Protocol == "udp" ? ProtocolType.Udp : ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port.HostPort));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw Allocated(port);
            }
        }
    }

    private static bool Overlaps(string a, string b) => a is "" or "0.0.0.0" || b is "" or "0.0.0.0" || a == b;

    private static ConflictException Allocated(PortMapping port) =>
        new($"Bind for {(port.HostIp.Length > 0 ? port.HostIp : "0.0.0.0")}:{port.HostPort} failed: port is already allocated");

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        string path = Path.Combine(_options.StateDirectory, ".lock");
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 1000)
            {
                await Task.Delay(10, cancellationToken);
            }
        }
    }

    /// <summary>The container side of the result: its interface (the one with a sandbox) and that interface's IPv4 address.</summary>
    private static NetworkAttachment ReadAttachment(string netns, JsonObject result)
    {
        var interfaces = result["interfaces"] as JsonArray ?? [];
        foreach (var ip in result["ips"] as JsonArray ?? [])
        {
            if (ip?["address"]?.GetValue<string>() is not { } cidr) continue;
            int slash = cidr.IndexOf('/');
            if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var address) || address.AddressFamily != AddressFamily.InterNetwork) continue;
            string? mac = null;
            if (ip["interface"] is JsonValue index && index.GetValue<int>() is var i && i >= 0 && i < interfaces.Count)
            {
                mac = interfaces[i]?["mac"]?.GetValue<string>();
            }
            return new NetworkAttachment(NetworkMode.Bridge, netns, address.ToString(), int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                ip["gateway"]?.GetValue<string>(), mac);
        }
        throw new NetworkException("the bridge plugin returned no IPv4 address");
    }
}
