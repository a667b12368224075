using Kist.Oci;
using Kist.Runtime.Spec;

namespace Kist.Runtime.Tests.Spec;

public sealed class CapabilitiesTests
{
    private static readonly IReadOnlyList<string> All = Capabilities.All;

    [Fact]
    public void Defaults_are_dockers_fourteen() => Assert.Equal(14, Capabilities.Resolve([], [], false, All).Count);

    [Fact]
    public void Add_and_drop_accept_any_spelling()
    {
        var caps = Capabilities.Resolve(["net_admin"], ["CAP_CHOWN", "kill"], false, All);
        Assert.Contains("CAP_NET_ADMIN", caps);
        Assert.DoesNotContain("CAP_CHOWN", caps);
        Assert.DoesNotContain("CAP_KILL", caps);
    }

    [Fact]
    public void All_on_either_side()
    {
        Assert.Equal(["CAP_NET_RAW"], Capabilities.Resolve(["NET_RAW"], ["ALL"], false, All));
        Assert.Equal(All.Count - 1, Capabilities.Resolve(["ALL"], ["SYS_ADMIN"], false, All).Count);
    }

    [Fact]
    public void Privileged_gets_what_this_process_may_give_and_nothing_more()
    {
        var available = Capabilities.Available(0b101);
        Assert.Equal(["CAP_CHOWN", "CAP_DAC_READ_SEARCH"], Capabilities.Resolve([], [], true, available));
        Assert.DoesNotContain("CAP_SYS_RESOURCE", Capabilities.Resolve(["SYS_RESOURCE"], [], false, Capabilities.Available(0xfffffeffffff & ~(1UL << 24))));
    }

    [Fact]
    public void Unknown_capabilities_are_refused() => Assert.Throws<InvalidInputException>(() => Capabilities.Normalize("FLY"));
}
