using Kist.Runtime.Networking;

namespace Kist.Runtime.Tests.Networking;

public sealed class HostsAndResolvConfTests
{
    private static readonly NetworkAttachment Bridge = new(NetworkMode.Bridge, "/run/netns/kist-x", "10.213.0.5", 16, "10.213.0.1", "aa:bb:cc:dd:ee:ff");

    [Fact]
    public void Hosts_Bridge_AsDocker()
    {
        Assert.Equal(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
            + "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n10.213.0.5\t8fe0c3773dbe\n",
            HostsFile.Render("8fe0c3773dbe", Bridge));
    }

    [Fact]
    public void Hosts_HostnameWithDomain_AlsoListsTheShortName() =>
        Assert.EndsWith("10.213.0.5\tfoo.example.com foo\n", HostsFile.Render("foo.example.com", Bridge));

    [Fact]
    public void Hosts_None_OnlyLocalhost() =>
        Assert.Equal(HostsFile.DefaultContent, HostsFile.Render("abc", new NetworkAttachment(NetworkMode.None, null, null, 0, null, null)));

    [Fact]
    public void Hosts_Host_IsTheHostsFile() =>
        Assert.Equal("127.0.0.1 localhost\n127.0.0.1 vm\n",
            HostsFile.Render("abc", new NetworkAttachment(NetworkMode.Host, null, null, 0, null, null), "127.0.0.1 localhost\n127.0.0.1 vm\n"));

    [Fact]
    public void ResolvConf_KeepsRealNameservers() =>
        Assert.Equal("search example.com\nnameserver 10.255.255.53\n", ResolvConf.Render(NetworkMode.Bridge, "search example.com\nnameserver 10.255.255.53\n"));

    [Fact]
    public void ResolvConf_DropsLocalhostAndIpv6_FallsBackToGoogle() =>
        Assert.Equal("search lan\noptions ndots:2\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4",
            ResolvConf.Render(NetworkMode.Bridge, "search lan\nnameserver 127.0.0.53\nnameserver ::1\nnameserver fe80::1%eth0\noptions ndots:2\n"));

    [Fact]
    public void ResolvConf_DropsOnlyTheLocalOnes() =>
        Assert.Equal("nameserver 1.1.1.1\n", ResolvConf.Render(NetworkMode.None, "nameserver 127.0.0.1\nnameserver 1.1.1.1\n"));

    [Fact]
    public void ResolvConf_Host_Unchanged() =>
        Assert.Equal("nameserver 127.0.0.53\n", ResolvConf.Render(NetworkMode.Host, "nameserver 127.0.0.53\n"));

    [Fact]
    public void ResolvConf_ReadHost_ReadsTheHostsFile() =>
        Assert.Contains("nameserver", ResolvConf.ReadHost());
}

public sealed class IptablesTokenizerTests
{
    [Fact]
    public void Tokenize_HandlesQuotedCommentsWithEscapes() =>
        Assert.Equal(["-A", "POSTROUTING", "-s", "10.213.0.7/32", "-m", "comment", "--comment", "name: \"kist\" id: \"abc\"", "-j", "CNI-43bd"],
            FirewallRules.Tokenize("-A POSTROUTING -s 10.213.0.7/32 -m comment --comment \"name: \\\"kist\\\" id: \\\"abc\\\"\" -j CNI-43bd"));
}
