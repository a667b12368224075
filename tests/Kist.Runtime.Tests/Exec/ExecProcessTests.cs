using Kist.Runtime.Exec;
using Kist.Runtime.Spec;
using Kist.Runtime.State;

namespace Kist.Runtime.Tests.Exec;

public sealed class ExecProcessTests
{
    private static readonly ResolvedUser Root = new(0, 0, [0], "/root");

    private static ContainerRecord Container(string workdir = "/srv", IReadOnlyList<string>? capDrop = null) => new()
    {
        Id = new string('a', 64),
        Name = "c",
        Created = DateTimeOffset.UnixEpoch,
        Image = "sha256:" + new string('b', 64),
        ImageName = "img",
        Path = "sleep",
        Args = ["60"],
        Config = new ContainerSettings { Hostname = "host1", Env = ["PATH=/bin", "FOO=bar", "KEEP=1"], WorkingDir = workdir },
        HostConfig = new HostSettings { CapDrop = capDrop ?? [] },
        Mounts = [],
        SnapshotKey = "k",
        ChainId = "sha256:" + new string('c', 64),
    };

    [Fact]
    public void The_environment_is_the_containers_with_the_execs_variables_over_it()
    {
        var p = ExecProcess.Build(Container(), new ExecRequest { Cmd = ["env"], Env = ["FOO=baz", "NEW=1", "KEEP"] }, Root, ulong.MaxValue);
        Assert.Equal(["PATH=/bin", "HOSTNAME=host1", "FOO=baz", "NEW=1"], p.Env);
        Assert.Equal(["env"], p.Args);
        Assert.False(p.Terminal);
    }

    [Fact]
    public void A_tty_exec_gets_TERM_as_docker_sets_it()
    {
        var p = ExecProcess.Build(Container(), new ExecRequest { Cmd = ["sh"], Tty = true }, Root, ulong.MaxValue);
        Assert.Contains("TERM=xterm", p.Env);
        Assert.True(p.Terminal);
    }

    [Fact]
    public void Workdir_is_the_execs_then_the_containers_then_root()
    {
        Assert.Equal("/srv", ExecProcess.Build(Container(), new ExecRequest { Cmd = ["pwd"] }, Root, ulong.MaxValue).Cwd);
        Assert.Equal("/x", ExecProcess.Build(Container(), new ExecRequest { Cmd = ["pwd"], WorkingDir = "/x" }, Root, ulong.MaxValue).Cwd);
        Assert.Equal("/", ExecProcess.Build(Container(""), new ExecRequest { Cmd = ["pwd"] }, Root, ulong.MaxValue).Cwd);
    }

    [Fact]
    public void Capabilities_are_the_containers_unless_privileged()
    {
        var plain = ExecProcess.Build(Container(capDrop: ["CHOWN"]), new ExecRequest { Cmd = ["id"] }, Root, ulong.MaxValue);
        Assert.DoesNotContain("CAP_CHOWN", plain.Capabilities!.Effective);
        Assert.DoesNotContain("CAP_SYS_ADMIN", plain.Capabilities.Effective);
        var privileged = ExecProcess.Build(Container(capDrop: ["CHOWN"]), new ExecRequest { Cmd = ["id"], Privileged = true }, Root, ulong.MaxValue);
        Assert.Contains("CAP_SYS_ADMIN", privileged.Capabilities!.Effective);
    }

    [Fact]
    public void The_user_is_the_resolved_one()
    {
        var p = ExecProcess.Build(Container(), new ExecRequest { Cmd = ["id"] }, new ResolvedUser(1000, 50, [50, 10], "/home/a"), ulong.MaxValue);
        Assert.Equal(1000u, p.User.Uid);
        Assert.Equal(50u, p.User.Gid);
        Assert.Equal([50u, 10u], p.User.AdditionalGids);
    }
}
