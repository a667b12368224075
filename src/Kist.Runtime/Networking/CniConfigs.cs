using System.Text.Json.Nodes;

namespace Kist.Runtime.Networking;

/// <summary>The network configs handed to the plugins (CNI spec 1.0.0, which Debian's plugins 1.1.x speak).</summary>
internal static class CniConfigs
{
    public const string CniVersion = "1.0.0";

    public static JsonObject Loopback(CniNetworkOptions options) => new()
    {
        ["cniVersion"] = CniVersion,
        ["name"] = options.NetworkName + "-lo",
        ["type"] = "loopback",
    };

    public static JsonObject Bridge(CniNetworkOptions options)
    {
        var config = Base(options, "bridge");
        config["bridge"] = options.BridgeName;
        config["isGateway"] = true;
        // Masquerade is one rule for the whole bridge (FirewallRules), not a chain per container.
        config["ipMasq"] = false;
        // A container reaches itself through its own published port, as with docker's userland proxy.
        config["hairpinMode"] = true;
        if (options.Mtu > 0) config["mtu"] = options.Mtu;
        config["ipam"] = new JsonObject
        {
            ["type"] = "host-local",
            ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = options.Subnet })),
            ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
            ["dataDir"] = options.IpamDataDirectory,
        };
        return config;
    }

    /// <summary>
    /// Published ports. <c>snat</c> masquerades connections from the host itself (127.0.0.1 included, with
    /// <c>route_localnet</c> on the bridge) so that replies come back through the DNAT, as docker's proxy allows.
    /// </summary>
    public static JsonObject PortMap(CniNetworkOptions options, IReadOnlyList<PortMapping> ports)
    {
        var config = Base(options, "portmap");
        config["capabilities"] = new JsonObject { ["portMappings"] = true };
        config["snat"] = true;
        var mappings = new JsonArray();
        foreach (var port in ports)
        {
            var mapping = new JsonObject
            {
                ["hostPort"] = port.HostPort,
                ["containerPort"] = port.ContainerPort,
                ["protocol"] = port.Protocol,
            };
            if (port.HostIp is { Length: > 0 } ip && ip != "0.0.0.0") mapping["hostIP"] = ip;
            mappings.Add((JsonNode)mapping);
        }
        config["runtimeConfig"] = new JsonObject { ["portMappings"] = mappings };
        return config;
    }

    private static JsonObject Base(CniNetworkOptions options, string type) => new()
    {
        ["cniVersion"] = CniVersion,
        ["name"] = options.NetworkName,
        ["type"] = type,
    };
}
