using System.Text.Json.Nodes;

namespace Kist.Runtime.Networking;

/// <summary>One plugin of a container's chain with the exact config it was given (without prevResult).</summary>
internal sealed record PluginRun(string Type, string InterfaceName, JsonObject Config);

/// <summary>What an attach did, saved as <c>ID.json</c> (written atomically) so that any later process can undo it.</summary>
internal sealed class NetworkState(string containerId, string netns, IReadOnlyList<PortMapping> ports)
{
    public string ContainerId { get; } = containerId;
    public string Netns { get; } = netns;
    public IReadOnlyList<PortMapping> Ports { get; } = ports;
    public List<PluginRun> Plugins { get; } = [];
    public JsonObject? Result { get; set; }
    public NetworkAttachment? Attachment { get; set; }

    public void Save(string path)
    {
        var plugins = new JsonArray();
        foreach (var p in Plugins)
        {
            plugins.Add((JsonNode)new JsonObject { ["type"] = p.Type, ["ifname"] = p.InterfaceName, ["config"] = p.Config.DeepClone() });
        }
        var ports = new JsonArray();
        foreach (var p in Ports)
        {
            ports.Add((JsonNode)new JsonObject { ["hostIP"] = p.HostIp, ["hostPort"] = p.HostPort, ["containerPort"] = p.ContainerPort, ["protocol"] = p.Protocol });
        }
        var document = new JsonObject
        {
            ["containerId"] = ContainerId,
            ["netns"] = Netns,
            ["ports"] = ports,
            ["plugins"] = plugins,
            ["result"] = Result?.DeepClone(),
        };
        if (Attachment is { } a)
        {
            document["attachment"] = new JsonObject
            {
                ["ip"] = a.IPAddress, ["prefixLength"] = a.PrefixLength, ["gateway"] = a.Gateway, ["mac"] = a.MacAddress,
            };
        }
        string temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, document.ToJsonString());
        File.Move(temp, path, overwrite: true);
    }

    public static NetworkState? TryLoad(string path)
    {
        JsonObject? document;
        try
        {
            document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (System.Text.Json.JsonException) { return null; }
        if (document?["netns"]?.GetValue<string>() is not { } netns || document["containerId"]?.GetValue<string>() is not { } id) return null;
        var ports = new List<PortMapping>();
        foreach (var p in document["ports"] as JsonArray ?? [])
        {
            if (p is null) continue;
            ports.Add(new PortMapping(p["hostPort"]!.GetValue<int>(), p["containerPort"]!.GetValue<int>(),
                p["protocol"]?.GetValue<string>() ?? "tcp", p["hostIP"]?.GetValue<string>() ?? ""));
        }
        var state = new NetworkState(id, netns, ports) { Result = document["result"]?.DeepClone() as JsonObject };
        foreach (var p in document["plugins"] as JsonArray ?? [])
        {
            if (p?["type"]?.GetValue<string>() is { } type && p["config"] is JsonObject config)
            {
                state.Plugins.Add(new PluginRun(type, p["ifname"]?.GetValue<string>() ?? CniNetworkManager.InterfaceName, (JsonObject)config.DeepClone()));
            }
        }
        if (document["attachment"] is JsonObject a)
        {
            state.Attachment = new NetworkAttachment(NetworkMode.Bridge, netns, a["ip"]?.GetValue<string>(), a["prefixLength"]?.GetValue<int>() ?? 0,
                a["gateway"]?.GetValue<string>(), a["mac"]?.GetValue<string>());
        }
        return state;
    }
}
