using System.Net.Http;
using Kist.Oci;
using Kist.Runtime.Networking;

namespace Kist.Runtime.Tests.Networking;

/// <summary>The real CNI plugins on the real kist0 bridge, with dockerd's FORWARD policy DROP in force.</summary>
public sealed class CniNetworkManagerTests
{
    private static readonly CniNetworkManager Manager = new();
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task HostReachesContainers_AndContainersReachEachOther()
    {
        await AssertDockerForwardPolicyDropAsync();
        await using var a = await FakeContainer.StartAsync(Manager);
        await using var b = await FakeContainer.StartAsync(Manager);
        await a.ServeHttpAsync();
        await b.ServeHttpAsync();

        Assert.Equal(NetworkMode.Bridge, a.Attachment.Mode);
        Assert.Equal("/run/netns/kist-" + a.Id, a.Attachment.NetnsPath);
        Assert.NotEqual(a.Attachment.IPAddress, b.Attachment.IPAddress);
        Assert.Equal(16, a.Attachment.PrefixLength);
        Assert.Equal("10.213.0.1", a.Attachment.Gateway);
        Assert.Matches("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", a.Attachment.MacAddress!);

        Assert.Equal(a.Greeting, await Http.GetStringAsync($"http://{a.Attachment.IPAddress}/"));
        Assert.Equal(a.Greeting, await b.ExecAsync("busybox", "wget", "-q", "-O-", $"http://{a.Attachment.IPAddress}/"));
        Assert.Equal(b.Greeting, await a.ExecAsync("busybox", "wget", "-q", "-O-", $"http://{b.Attachment.IPAddress}/"));
        // Loopback is up inside, as in docker.
        Assert.Equal(a.Greeting, await a.ExecAsync("busybox", "wget", "-q", "-O-", "http://127.0.0.1/"));
    }

    [Fact]
    public async Task PublishedPort_ReachesTheContainer_FromLocalhost_TheHostAddress_AndOtherContainers()
    {
        await AssertDockerForwardPolicyDropAsync();
        int port = FakeContainer.FreePort();
        await using var server = await FakeContainer.StartAsync(Manager, new PortMapping(port, 80));
        await using var client = await FakeContainer.StartAsync(Manager);
        await server.ServeHttpAsync();
        string host = FakeContainer.HostAddress();

        Assert.Equal(server.Greeting, await Http.GetStringAsync($"http://127.0.0.1:{port}/"));
        Assert.Equal(server.Greeting, await Http.GetStringAsync($"http://{host}:{port}/"));
        Assert.Equal(server.Greeting, await client.ExecAsync("busybox", "wget", "-q", "-O-", $"http://{host}:{port}/"));
        // Hairpin: the container reaches itself through its own published port.
        Assert.Equal(server.Greeting, await server.ExecAsync("busybox", "wget", "-q", "-O-", $"http://{host}:{port}/"));
        Assert.Equal([new PortMapping(port, 80)], Manager.GetPorts(server.Id));
    }

    [Fact]
    public async Task PublishedPort_OnOneHostAddress_OnlyThere()
    {
        int port = FakeContainer.FreePort();
        await using var server = await FakeContainer.StartAsync(Manager, new PortMapping(port, 80, "tcp", "127.0.0.1"));
        await server.ServeHttpAsync();
        Assert.Equal(server.Greeting, await Http.GetStringAsync($"http://127.0.0.1:{port}/"));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Http.GetStringAsync($"http://{FakeContainer.HostAddress()}:{port}/"));
    }

    [Fact]
    public async Task Detach_RemovesNamespaceVethRulesAndAddress_AndIsIdempotent()
    {
        int port = FakeContainer.FreePort();
        var container = await FakeContainer.StartAsync(Manager, new PortMapping(port, 80), new PortMapping(port, 53, "udp"));
        string veth = container.HostVeth();
        string ip = container.Attachment.IPAddress!;
        try
        {
            Assert.True(File.Exists(container.Attachment.NetnsPath));
            Assert.Contains(container.Id, await IptablesSaveAsync());
            Assert.Contains(ip + ":80", await IptablesSaveAsync()); // portmap's DNAT
            Assert.True(File.Exists(IpamFile(ip)));
            Assert.Equal(0, (await FakeContainer.RunAsync(["ip", "link", "show", veth])).ExitCode);
        }
        catch
        {
            await container.DisposeAsync(); // a failed assertion leaves no namespace behind
            throw;
        }

        await container.DisposeAsync();
        await AssertGoneAsync(container.Id, ip, veth);
        await Manager.DetachAsync(container.Id);
        await new CniNetworkManager().DetachAsync(container.Id);
    }

    [Fact]
    public async Task TheBridgesRules_AreMadeOnce_AndAgainWhenRemoved_NeverPerContainer()
    {
        // A bridge of this test's own, so that removing its rules disturbs no other test's containers.
        string dir = Directory.CreateTempSubdirectory("kist-net-").FullName;
        var options = new CniNetworkOptions
        {
            StateDirectory = Path.Combine(dir, "net"), IpamDataDirectory = Path.Combine(dir, "cni"),
            NetworkName = "kisttest", BridgeName = "kisttest0", Subnet = "10.214.0.0/16",
        };
        var manager = new CniNetworkManager(options);
        string chain = "KIST-kisttest0";
        string[] masquerade = ["-t", "nat", "-C", "POSTROUTING", "-s", "10.214.0.0/16", "!", "-o", "kisttest0", "-m", "comment", "--comment", "kist masquerade", "-j", "MASQUERADE"];
        try
        {
            await using (var first = await FakeContainer.StartAsync(manager))
            {
                Assert.Equal(0, (await FakeContainer.RunAsync(["iptables", .. masquerade])).ExitCode);
                Assert.Contains("-A FORWARD -m comment --comment \"kist bridge kisttest0\" -j " + chain, (await FakeContainer.RunAsync(["iptables", "-S", "FORWARD"])).Stdout);
                Assert.Equal(2, RuleLines((await FakeContainer.RunAsync(["iptables", "-S", chain])).Stdout));
                Assert.DoesNotContain(first.Id, await IptablesSaveAsync());
                Assert.DoesNotContain(first.Attachment.IPAddress!, await IptablesSaveAsync());
            }
            // Removed (a flush by hand), the rules come back at the next attach, each once.
            Assert.Equal(0, (await FakeContainer.RunAsync(["iptables", "-t", "nat", "-D", .. masquerade[3..]])).ExitCode);
            Assert.Equal(0, (await FakeContainer.RunAsync(["iptables", "-F", chain])).ExitCode);
            await using (var second = await FakeContainer.StartAsync(manager))
            await using (var third = await FakeContainer.StartAsync(manager))
            {
                // Bridged traffic goes through FORWARD (br_netfilter), whose policy dockerd sets to DROP.
                await AssertDockerForwardPolicyDropAsync();
                await second.ServeHttpAsync();
                Assert.Equal(second.Greeting, await third.ExecAsync("busybox", "wget", "-q", "-O-", $"http://{second.Attachment.IPAddress}/"));
                Assert.Equal(0, (await FakeContainer.RunAsync(["iptables", .. masquerade])).ExitCode);
                Assert.Equal(2, RuleLines((await FakeContainer.RunAsync(["iptables", "-S", chain])).Stdout));
                Assert.Single((await FakeContainer.RunAsync(["iptables", "-S", "FORWARD"])).Stdout.Split('\n'), l => l.Contains(chain, StringComparison.Ordinal));
            }
        }
        finally
        {
            await FakeContainer.RunAsync(["iptables", "-t", "nat", "-D", .. masquerade[3..]]);
            await FakeContainer.RunAsync(["iptables", "-D", "FORWARD", "-m", "comment", "--comment", "kist bridge kisttest0", "-j", chain]);
            await FakeContainer.RunAsync(["iptables", "-F", chain]);
            await FakeContainer.RunAsync(["iptables", "-X", chain]);
            await FakeContainer.RunAsync(["ip", "link", "del", "kisttest0"]);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int RuleLines(string rules) => rules.Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal));

    [Fact]
    public async Task Detach_AfterACrash_FromAnotherProcessState_WithTheNamespaceAlreadyGone()
    {
        int port = FakeContainer.FreePort();
        string id = FakeContainer.NewId();
        var attachment = await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.Bridge, "crash", [new PortMapping(port, 80)]));
        string veth = FakeContainer.HostVethOf(Manager, id);
        // The monitor died and someone removed the namespace: only the saved state is left to find the rest.
        Assert.Equal(0, (await FakeContainer.RunAsync(["ip", "netns", "del", "kist-" + id])).ExitCode);

        await new CniNetworkManager().DetachAsync(id);
        await AssertGoneAsync(id, attachment.IPAddress!, veth);
    }

    [Fact]
    public async Task Detach_OfAnUnknownContainer_DoesNothing()
    {
        await Manager.DetachAsync(FakeContainer.NewId());
    }

    [Fact]
    public async Task APortAlreadyPublished_IsRefused_AndTheLoserLeavesNothing()
    {
        int port = FakeContainer.FreePort();
        await using var first = await FakeContainer.StartAsync(Manager, new PortMapping(port, 80));
        string id = FakeContainer.NewId();
        var e = await Assert.ThrowsAsync<ConflictException>(async () =>
            await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.Bridge, "second", [new PortMapping(port, 8080)])));
        Assert.Equal($"Bind for 0.0.0.0:{port} failed: port is already allocated", e.Message);
        Assert.False(NetworkNamespace.Exists("kist-" + id));
        Assert.DoesNotContain(id, Manager.ListAttached());

        // A host process listening on the port is refused the same way.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        listener.Start();
        int taken = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        await Assert.ThrowsAsync<ConflictException>(async () =>
            await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.Bridge, "third", [new PortMapping(taken, 80)])));
        Assert.False(NetworkNamespace.Exists("kist-" + id));
    }

    [Fact]
    public async Task ConcurrentAttaches_GetDistinctAddresses()
    {
        var containers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => FakeContainer.StartAsync(Manager)));
        try
        {
            Assert.Equal(4, containers.Select(c => c.Attachment.IPAddress).Distinct().Count());
        }
        finally
        {
            foreach (var c in containers) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task HostAndNone_MakeNoNamespace()
    {
        string id = FakeContainer.NewId();
        var host = await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.Host, "h", []));
        Assert.Equal(new NetworkAttachment(NetworkMode.Host, null, null, 0, null, null), host);
        var none = await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.None, "n", []));
        Assert.Equal(NetworkMode.None, none.Mode);
        Assert.Null(none.NetnsPath);
        Assert.False(NetworkNamespace.Exists("kist-" + id));
        await Manager.DetachAsync(id);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("a/b")]
    public async Task HostileContainerIds_AreRefused(string id)
    {
        await Assert.ThrowsAsync<InvalidInputException>(async () => await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.Bridge, "x", [])));
        await Assert.ThrowsAsync<InvalidInputException>(async () => await Manager.DetachAsync(id));
    }

    [Fact]
    public async Task BadPorts_AreRefused_BeforeAnythingIsMade()
    {
        string id = FakeContainer.NewId();
        await Assert.ThrowsAsync<InvalidInputException>(async () => await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.Bridge, "x", [new PortMapping(0, 80)])));
        await Assert.ThrowsAsync<InvalidInputException>(async () => await Manager.AttachAsync(new NetworkRequest(id, NetworkMode.Bridge, "x", [new PortMapping(80, 80, "icmp")])));
        Assert.False(NetworkNamespace.Exists("kist-" + id));
    }

    internal static async Task AssertGoneAsync(string id, string ip, string veth)
    {
        Assert.False(File.Exists("/run/netns/kist-" + id), "network namespace left behind");
        Assert.NotEqual(0, (await FakeContainer.RunAsync(["ip", "link", "show", veth])).ExitCode);
        string rules = await IptablesSaveAsync();
        Assert.DoesNotContain(id, rules);
        Assert.DoesNotContain(ip + "/32", rules);
        Assert.DoesNotContain(ip + ":", rules);
        Assert.False(File.Exists(IpamFile(ip)), "IPAM address not released");
        Assert.False(File.Exists(Path.Combine(Manager.Options.StateDirectory, id + ".json")), "state file left behind");
    }

    private static string IpamFile(string ip) => Path.Combine(Manager.Options.IpamDataDirectory, Manager.Options.NetworkName, ip);

    internal static async Task<string> IptablesSaveAsync()
    {
        var filter = await FakeContainer.RunAsync(["iptables-save"]);
        Assert.Equal(0, filter.ExitCode);
        return filter.Stdout;
    }

    /// <summary>dockerd runs here (scripts/setup.sh) and sets FORWARD to DROP: the bridge traffic must get through anyway.</summary>
    private static async Task AssertDockerForwardPolicyDropAsync()
    {
        var forward = await FakeContainer.RunAsync(["iptables", "-S", "FORWARD"]);
        Assert.True(forward.Stdout.Contains("-P FORWARD DROP", StringComparison.Ordinal) && forward.Stdout.Contains("DOCKER", StringComparison.Ordinal),
            "dockerd is not running (its FORWARD policy DROP is what these tests must get through): run scripts/setup.sh\n" + forward.Stdout);
    }
}
