using Kist.Runtime.Bundle;

namespace Kist.Runtime.Tests.Spec;

public sealed class EtcFilesTests
{
    [Fact]
    public void Hosts_has_the_container_address_when_it_has_one()
    {
        Assert.EndsWith("ff02::2\tip6-allrouters\n", EtcFiles.Hosts("h", null));
        Assert.EndsWith("172.17.0.2\th\n", EtcFiles.Hosts("h", "172.17.0.2"));
    }

    [Fact]
    public void Resolv_conf_loses_loopback_servers_and_falls_back_to_public_ones()
    {
        Assert.Equal("search x\nnameserver 10.0.0.1\n", EtcFiles.ResolvConf("search x\nnameserver 127.0.0.53\nnameserver 10.0.0.1\n", false));
        Assert.Contains("nameserver 8.8.8.8", EtcFiles.ResolvConf("nameserver 127.0.0.1\n", false));
        Assert.Equal("nameserver 127.0.0.1\n", EtcFiles.ResolvConf("nameserver 127.0.0.1\n", true));
    }
}
