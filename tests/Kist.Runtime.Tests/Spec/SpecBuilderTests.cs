using System.Text.Json;
using Kist.Runtime.Networking;
using Kist.Runtime.Spec;
using Kist.Runtime.State;

namespace Kist.Runtime.Tests.Spec;

public sealed class SpecBuilderTests
{
    private static ContainerRecord Record(HostSettings? host = null, IReadOnlyList<MountSpec>? mounts = null) => new()
    {
        Id = new string('a', 64), Name = "n", Created = DateTimeOffset.UtcNow, Image = "sha256:x", ImageName = "img",
        Path = "sh", Args = ["-c", "true"],
        Config = new ContainerSettings { Hostname = "aaaaaaaaaaaa", Env = ["FOO=bar"], WorkingDir = "/w" },
        HostConfig = host ?? new HostSettings(), Mounts = mounts ?? [], SnapshotKey = "k", ChainId = "sha256:c",
    };

    private static SpecContext Context(string network = "none", string? netns = null) => new()
    {
        BundleDirectory = "/b", RootfsDirectory = "/b/rootfs", User = new ResolvedUser(1000, 1000, [1000, 10], "/home/u"), NetworkMode = network, NetnsPath = netns,
        InitBinary = "/usr/bin/docker-init", SwapAccounting = true,
    };

    [Fact]
    public void Defaults_match_docker()
    {
        var spec = SpecBuilder.Build(Record(), Context());
        Assert.Equal(["sh", "-c", "true"], spec.Process.Args);
        Assert.Equal("/w", spec.Process.Cwd);
        Assert.Equal(["PATH=" + DockerDefaults.Path, "HOSTNAME=aaaaaaaaaaaa", "FOO=bar"], spec.Process.Env);
        Assert.Equal(1000u, spec.Process.User.Uid);
        Assert.Equal([1000u, 10u], spec.Process.User.AdditionalGids);
        Assert.Equal(14, spec.Process.Capabilities!.Effective.Count);
        Assert.Contains("/proc/kcore", spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/sys", spec.Linux.ReadonlyPaths!);
        Assert.Equal(["pid", "ipc", "uts", "mount", "network"], spec.Linux.Namespaces.Select(n => n.Type));
        var shm = spec.Mounts.Single(m => m.Destination == "/dev/shm");
        Assert.Contains("size=67108864", shm.Options!);
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"],
            spec.Mounts.Select(m => m.Destination));
        Assert.Equal("/b/hosts", spec.Mounts.Single(m => m.Destination == "/etc/hosts").Source);
        Assert.Null(spec.Linux.Resources!.Memory);
        Assert.Equal("/b/rootfs", spec.Root.Path);
    }

    [Fact]
    public void Host_network_has_no_namespace_and_bridge_joins_the_given_one()
    {
        Assert.DoesNotContain(SpecBuilder.Build(Record(), Context("host")).Linux.Namespaces, n => n.Type == "network");
        var bridge = SpecBuilder.Build(Record(), Context("bridge", "/run/netns/x")).Linux.Namespaces.Single(n => n.Type == "network");
        Assert.Equal("/run/netns/x", bridge.Path);
    }

    [Fact]
    public void Limits_binds_tmpfs_init_and_read_only()
    {
        var host = new HostSettings { Memory = 64 << 20, NanoCpus = 1_500_000_000, PidsLimit = 50, ReadonlyRootfs = true, Init = true, SecurityOpt = ["no-new-privileges"] };
        var mounts = new List<MountSpec>
        {
            new() { Type = "bind", Source = "/host", Destination = "/data", ReadOnly = true },
            new() { Type = "tmpfs", Source = "tmpfs", Destination = "/run", Options = ["size=1m"] },
        };
        var spec = SpecBuilder.Build(Record(host, mounts), Context());
        Assert.Equal(64L << 20, spec.Linux.Resources!.Memory!.Limit);
        Assert.Equal(128L << 20, spec.Linux.Resources.Memory.Swap);
        Assert.Equal(150000, spec.Linux.Resources.Cpu!.Quota);
        Assert.Equal(50, spec.Linux.Resources.Pids!.Limit);
        Assert.True(spec.Root.Readonly);
        Assert.True(spec.Process.NoNewPrivileges);
        Assert.Equal(["/sbin/docker-init", "--", "sh", "-c", "true"], spec.Process.Args);
        Assert.Contains("ro", spec.Mounts.Single(m => m.Destination == "/data").Options!);
        Assert.Contains("size=1m", spec.Mounts.Single(m => m.Destination == "/run").Options!);
        Assert.Equal("/usr/bin/docker-init", spec.Mounts.Single(m => m.Destination == "/sbin/docker-init").Source);
    }

    [Fact]
    public void The_spec_serializes_with_the_spec_field_names()
    {
        var json = System.Text.Encoding.UTF8.GetString(RuntimeSpecWriter.Spec(SpecBuilder.Build(Record(), Context())));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("1.0.2", doc.RootElement.GetProperty("ociVersion").GetString());
        Assert.True(doc.RootElement.GetProperty("process").GetProperty("user").TryGetProperty("additionalGids", out _));
        Assert.Equal("/kist/" + new string('a', 64), doc.RootElement.GetProperty("linux").GetProperty("cgroupsPath").GetString());
        Assert.DoesNotContain("null", json);
    }

    [Fact]
    public void Privileged_drops_masks_and_allows_devices()
    {
        var spec = SpecBuilder.Build(Record(new HostSettings { Privileged = true }), Context() with { CapabilityBoundingMask = 0b11 });
        Assert.Null(spec.Linux.MaskedPaths);
        Assert.Equal(["CAP_CHOWN", "CAP_DAC_OVERRIDE"], spec.Process.Capabilities!.Bounding);
        Assert.True(spec.Linux.Resources!.Devices!.Single().Allow);
        _ = new PortMapping(1, 2);
    }
}
