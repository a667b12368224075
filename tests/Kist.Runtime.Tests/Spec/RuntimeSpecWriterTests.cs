using System.Text;
using System.Text.Json;
using Kist.Runtime.Networking;
using Kist.Runtime.Spec;
using Kist.Runtime.State;

namespace Kist.Runtime.Tests.Spec;

public sealed class RuntimeSpecWriterTests
{
    private static readonly RuntimeSpec Everything = new()
    {
        Process = new SpecProcess
        {
            Terminal = true, User = new SpecUser { Uid = 4294967294, Gid = 7, AdditionalGids = [1, 2] },
            Args = ["sh", "-c", "echo \"<a&b>\" + ü 😀 \\ \n"], Env = ["A=1", "B=é"], Cwd = "/wörk",
            Capabilities = new SpecCapabilities { Bounding = ["CAP_KILL"], Effective = [], Permitted = ["CAP_KILL", "CAP_CHOWN"] },
            Rlimits = [new SpecRlimit("RLIMIT_NOFILE", ulong.MaxValue, 1024)], NoNewPrivileges = true, OomScoreAdj = -500,
        },
        Root = new SpecRoot { Path = "/r", Readonly = true },
        Hostname = "h",
        Mounts = [new SpecMount { Destination = "/d", Type = "bind", Source = "/s", Options = ["rbind", "ro"] }, new SpecMount { Destination = "/p", Type = "proc", Source = "proc" }],
        Linux = new SpecLinux
        {
            Namespaces = [new SpecNamespace { Type = "pid" }, new SpecNamespace { Type = "network", Path = "/run/netns/x" }],
            Resources = new SpecResources
            {
                Devices = [new SpecDeviceRule { Allow = false, Access = "rwm" }, new SpecDeviceRule { Allow = true, Type = "c", Major = 1, Minor = -1, Access = "m" }],
                Memory = new SpecMemory { Limit = 1 << 30, Swap = -1 }, Cpu = new SpecCpu { Quota = 150000, Period = 100000 }, Pids = new SpecPids { Limit = 50 },
            },
            CgroupsPath = "/kist/x", MaskedPaths = ["/proc/kcore"], ReadonlyPaths = [], Sysctl = new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "1" },
            Seccomp = new SpecSeccomp
            {
                DefaultAction = "SCMP_ACT_ERRNO", DefaultErrnoRet = 1, Architectures = ["SCMP_ARCH_X86_64"],
                Syscalls =
                [
                    new SpecSyscall { Names = ["read", "write"], Action = "SCMP_ACT_ALLOW" },
                    new SpecSyscall { Names = ["clone"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 38, Args = [new SpecSyscallArg { Index = 0, Value = 0x7E020000, ValueTwo = ulong.MaxValue, Op = "SCMP_CMP_MASKED_EQ" }] },
                ],
            },
        },
    };

    private static readonly RuntimeSpec Nothing = new()
    {
        Process = new SpecProcess { User = new SpecUser(), Args = [], Env = [], Cwd = "/" },
        Root = new SpecRoot { Path = "rootfs" },
        Mounts = [],
        Linux = new SpecLinux { Namespaces = [], Resources = new SpecResources() },
    };

    public static TheoryData<string> Cases() => ["everything", "nothing", "docker defaults", "privileged", "limits and host network"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_what_the_serializer_writes_byte_for_byte(string name)
    {
        var spec = Spec(name);
        string expected = SerializerReference.Serialize(spec, RuntimeSpecReferenceJson.Default.RuntimeSpec);
        Assert.Equal(expected, Encoding.UTF8.GetString(RuntimeSpecWriter.Spec(spec)));
        Assert.Equal(SerializerReference.Serialize(spec.Process, RuntimeSpecReferenceJson.Default.SpecProcess), Encoding.UTF8.GetString(RuntimeSpecWriter.Process(spec.Process)));
    }

    private static RuntimeSpec Spec(string name) => name switch
    {
        "everything" => Everything,
        "nothing" => Nothing,
        "docker defaults" => SpecBuilder.Build(Record(new HostSettings()), Context("bridge", "/run/netns/k")),
        "privileged" => SpecBuilder.Build(Record(new HostSettings { Privileged = true, Init = true }), Context("none", null)),
        _ => SpecBuilder.Build(Record(new HostSettings
        {
            Memory = 64 << 20, NanoCpus = 1_500_000_000, PidsLimit = 50, ReadonlyRootfs = true, CapAdd = ["NET_ADMIN"], CapDrop = ["CHOWN"],
            SecurityOpt = ["no-new-privileges"], ShmSize = 1 << 20, Ulimits = [new Ulimit("nofile", 100, 50)],
        }), Context("host", null)),
    };

    private static ContainerRecord Record(HostSettings host) => new()
    {
        Id = new string('b', 64), Name = "n", Created = DateTimeOffset.UnixEpoch, Image = "sha256:x", ImageName = "img",
        Path = "sh", Args = ["-c", "true"],
        Config = new ContainerSettings { Hostname = "bbbbbbbbbbbb", Env = ["FOO=bär"], WorkingDir = "/w", Tty = true },
        HostConfig = host, Mounts = [new MountSpec { Type = "tmpfs", Source = "", Destination = "/run", Options = ["size=1m"] }],
        SnapshotKey = "k", ChainId = "sha256:c",
    };

    private static SpecContext Context(string network, string? netns) => new()
    {
        BundleDirectory = "/b", RootfsDirectory = "/b/rootfs", User = new ResolvedUser(1000, 1000, [1000, 10], "/home/u"), NetworkMode = network, NetnsPath = netns,
        InitBinary = "/usr/bin/docker-init", SwapAccounting = true, Terminal = true,
    };
}
