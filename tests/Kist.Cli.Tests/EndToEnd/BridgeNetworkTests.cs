using System.Net;
using System.Net.Sockets;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// Issue #5's must-show for networking: <c>kist run -p HOST:80</c> serves HTTP from a busybox httpd in the container to
/// the host, containers on the kist0 bridge reach each other, and removing the containers leaves no namespace, veth,
/// iptables rule or address of theirs behind.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BridgeNetworkTests : IAsyncLifetime
{
    // The test image has busybox with a few applet links (Rootfs): the others are called through busybox.
    private const string Serve = "busybox mkdir -p /www && echo \"hello from $(busybox hostname)\" > /www/index.html && exec busybox httpd -f -p 80 -h /www";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _scratch = new("kist-scratch");
    private readonly List<string> _containers = [];
    private const string Image = "kist-port-test:1";

    public async Task InitializeAsync()
    {
        string tar = _scratch.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        (await Kist("import", "-c", "CMD [\"sh\"]", tar, Image)).ShouldSucceed();
    }

    public async Task DisposeAsync()
    {
        foreach (var id in _containers) await Kist("rm", "-f", id);
        foreach (var id in (await Kist("ps", "-aq", "--no-trunc")).Lines) await Kist("rm", "-f", id.Trim());
        _root.Dispose();
        _scratch.Dispose();
    }

    private Task<RunResult> Kist(params string[] args) => KistAsync(_root.Path, args);

    /// <summary>
    /// <c>kist run -d</c> with its standard error in a file rather than a pipe: a process of the container that kept
    /// the caller's stderr open would otherwise hold the test until the container ends.
    /// </summary>
    private async Task<RunResult> RunDetachedRawAsync(params string[] args)
    {
        string stderr = _scratch.File("stderr-" + Guid.NewGuid().ToString("N"));
        var run = await RunAsync("/bin/sh", ["-c", "f=$1; shift; exec \"$@\" 2>\"$f\"", "sh", stderr, KistBinary, "--root", _root.Path, "run", "-d", .. args],
            timeout: TimeSpan.FromMinutes(1));
        return run with { Stderr = File.Exists(stderr) ? await File.ReadAllTextAsync(stderr) : "" };
    }

    private async Task<string> RunDetachedAsync(params string[] args)
    {
        var run = (await RunDetachedRawAsync(args)).ShouldSucceed();
        string id = run.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        _containers.Add(id);
        return id;
    }

    private async Task<string> IpOfAsync(string id) =>
        (await Kist("inspect", "-f", "{{.NetworkSettings.IPAddress}}", id)).ShouldSucceed().Stdout.Trim();

    private static async Task<string> GetWhenUpAsync(string url)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await Http.GetStringAsync(url);
            }
            catch (HttpRequestException) when (attempt < 100)
            {
                await Task.Delay(50);
            }
        }
    }

    [Fact]
    public async Task PublishedPort_ServesHttpFromTheContainer_ToTheHost()
    {
        int port = FreePort();
        string id = await RunDetachedAsync("-p", $"{port}:80", Image, "sh", "-c", Serve);
        string expected = $"hello from {id[..12]}\n";
        Assert.Equal(expected, await GetWhenUpAsync($"http://127.0.0.1:{port}/"));
        Assert.Equal(expected, await GetWhenUpAsync($"http://{HostAddress()}:{port}/"));

        var ip = await IpOfAsync(id);
        Assert.StartsWith("10.213.", ip);
        Assert.Equal(expected, await GetWhenUpAsync($"http://{ip}/"));

        (await Kist("rm", "-f", id)).ShouldSucceed();
        _containers.Remove(id);
        await AssertNoNetworkLeftAsync(id, ip);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Http.GetStringAsync($"http://127.0.0.1:{port}/"));
    }

    [Fact]
    public async Task ContainersOnTheBridge_ReachEachOther_AndPublishedPorts()
    {
        int port = FreePort();
        string server = await RunDetachedAsync("-p", $"127.0.0.1:{port}:80", Image, "sh", "-c", Serve);
        string ip = await IpOfAsync(server);
        string expected = $"hello from {server[..12]}\n";
        Assert.Equal(expected, await GetWhenUpAsync($"http://127.0.0.1:{port}/"));

        var fetched = (await Kist("run", "--rm", Image, "busybox", "wget", "-q", "-O-", $"http://{ip}/")).ShouldSucceed();
        Assert.Equal(expected, fetched.Stdout);
        // Published on 127.0.0.1 only: not on the host's other addresses.
        Assert.NotEqual(0, (await Kist("run", "--rm", Image, "busybox", "wget", "-q", "-O-", $"http://{HostAddress()}:{port}/")).ExitCode);

        (await Kist("rm", "-f", server)).ShouldSucceed();
        _containers.Remove(server);
        await AssertNoNetworkLeftAsync(server, ip);
    }

    [Fact]
    public async Task APublishedPortInUse_FailsTheSecondRun_AsDocker()
    {
        int port = FreePort();
        await RunDetachedAsync("-p", $"{port}:80", Image, "sh", "-c", Serve);
        var second = await RunDetachedRawAsync("-p", $"{port}:80", Image, "sh", "-c", Serve);
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("port is already allocated", second.Stderr);
    }

    /// <summary>No namespace, saved state, veth, iptables rule or IPAM address of the container remains.</summary>
    internal static async Task AssertNoNetworkLeftAsync(string id, string ip)
    {
        Assert.False(File.Exists("/run/netns/kist-" + id), "network namespace left behind");
        Assert.False(File.Exists($"/run/kist/net/{id}.json"), "network state left behind");
        Assert.False(File.Exists($"/run/kist/cni/kist/{ip}"), "IPAM address not released");
        var rules = await RunAsync("iptables-save", []);
        Assert.DoesNotContain(id, rules.Stdout);
        Assert.DoesNotContain(ip + "/32", rules.Stdout);
        Assert.DoesNotContain(ip + ":", rules.Stdout);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The host's own address on its default-route interface (not loopback or a bridge).</summary>
    private static string HostAddress()
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
