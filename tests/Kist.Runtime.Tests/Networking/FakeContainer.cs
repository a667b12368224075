using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Kist.Runtime.Networking;

namespace Kist.Runtime.Tests.Networking;

/// <summary>
/// A "container" that is only a network namespace attached by the real manager, with busybox httpd started inside it
/// through <c>ip netns exec</c>. Disposing stops the server and detaches.
/// </summary>
public sealed class FakeContainer : IAsyncDisposable
{
    private readonly List<System.Diagnostics.Process> _processes = [];
    private readonly string _webRoot;

    private FakeContainer(CniNetworkManager manager, string id, NetworkAttachment attachment, string webRoot)
    {
        Manager = manager;
        Id = id;
        Attachment = attachment;
        _webRoot = webRoot;
    }

    public CniNetworkManager Manager { get; }
    public string Id { get; }
    public NetworkAttachment Attachment { get; }
    public string NetnsName => CniNetworkManager.NetnsPrefix + Id;

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static async Task<FakeContainer> StartAsync(CniNetworkManager manager, params PortMapping[] ports)
    {
        string id = NewId();
        var attachment = await manager.AttachAsync(new NetworkRequest(id, NetworkMode.Bridge, id[..12], ports));
        string webRoot = Path.Combine(Path.GetTempPath(), "kist-net-test-" + id[..12]);
        Directory.CreateDirectory(webRoot);
        await File.WriteAllTextAsync(Path.Combine(webRoot, "index.html"), "hello from " + id[..12] + "\n");
        return new FakeContainer(manager, id, attachment, webRoot);
    }

    public string Greeting => "hello from " + Id[..12] + "\n";

    /// <summary>busybox httpd on port 80 inside the namespace, serving the greeting; waits until it listens.</summary>
    public async Task ServeHttpAsync()
    {
        var process = Start("ip", "netns", "exec", NetnsName, "busybox", "httpd", "-f", "-p", "80", "-h", _webRoot);
        _processes.Add(process);
        for (int i = 0; i < 100; i++)
        {
            var listening = await ExecAsync("busybox", "netstat", "-ltn");
            if (listening.Contains(":80 ", StringComparison.Ordinal)) return;
            await Task.Delay(20);
        }
        throw new InvalidOperationException("busybox httpd did not start listening in " + NetnsName);
    }

    /// <summary>Runs a command inside the namespace and returns its standard output; a failure throws with stderr.</summary>
    public async Task<string> ExecAsync(params string[] command)
    {
        var (exit, stdout, stderr) = await RunAsync(["ip", "netns", "exec", NetnsName, .. command]);
        if (exit != 0) throw new InvalidOperationException($"{string.Join(' ', command)} in {NetnsName}: exit {exit}: {stderr}");
        return stdout;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] command)
    {
        using var process = Start(command);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The host veth of this container, from the saved CNI result.</summary>
    public string HostVeth() => HostVethOf(Manager, Id);

    public static string HostVethOf(CniNetworkManager manager, string id)
    {
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(manager.Options.StateDirectory, id + ".json")))!;
        foreach (var i in state["result"]!["interfaces"]!.AsArray())
        {
            if (i!["sandbox"] is null && i["name"]!.GetValue<string>() != manager.Options.BridgeName) return i["name"]!.GetValue<string>();
        }
        throw new InvalidOperationException("no host veth in the saved result");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        await Manager.DetachAsync(Id);
        try { Directory.Delete(_webRoot, recursive: true); } catch (IOException) { }
    }

    private static System.Diagnostics.Process Start(params string[] command)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        return System.Diagnostics.Process.Start(info)!;
    }

    /// <summary>A TCP port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The host's own address on its default-route interface (not loopback, docker0 or kist0).</summary>
    public static string HostAddress()
    {
        foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.Name is "lo" or "docker0" || nic.Name.StartsWith("kist", StringComparison.Ordinal) || nic.Name.StartsWith("veth", StringComparison.Ordinal)) continue;
            if (nic.OperationalStatus != System.Net.NetworkInformation.OperationalStatus.Up) continue;
            foreach (var address in nic.GetIPProperties().UnicastAddresses)
            {
                if (address.Address.AddressFamily == AddressFamily.InterNetwork) return address.Address.ToString();
            }
        }
        throw new InvalidOperationException("the host has no IPv4 address outside loopback and bridges");
    }
}
