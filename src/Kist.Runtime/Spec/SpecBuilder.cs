using Kist.Oci;
using Kist.Runtime.Spec.Seccomp;
using Kist.Runtime.State;

namespace Kist.Runtime.Spec;

/// <summary>Everything about this start of a container that is not in its record.</summary>
public sealed record SpecContext
{
    public required string BundleDirectory { get; init; }
    /// <summary>Where the rootfs is mounted (outside the bundle when the bundle is on a tmpfs).</summary>
    public required string RootfsDirectory { get; init; }
    public required ResolvedUser User { get; init; }
    /// <summary>"none", "host" or "bridge"; with bridge, <see cref="NetnsPath"/> is the namespace to join.</summary>
    public required string NetworkMode { get; init; }
    public string? NetnsPath { get; init; }
    /// <summary>The host's init binary for <c>--init</c> (mounted at /sbin/docker-init).</summary>
    public string? InitBinary { get; init; }
    public ulong CapabilityBoundingMask { get; init; } = ulong.MaxValue;
    public bool SwapAccounting { get; init; }
    /// <summary>Whether the process gets a pty: the container's Tty, when the runtime is given a terminal to use.</summary>
    public bool Terminal { get; init; }
}

/// <summary>Writes a container's OCI runtime spec with docker's defaults.</summary>
public static class SpecBuilder
{
    public const string InitPath = "/sbin/docker-init";

    public static RuntimeSpec Build(ContainerRecord c, SpecContext context)
    {
        var host = c.HostConfig;
        var available = Capabilities.Available(context.CapabilityBoundingMask);
        var caps = Capabilities.Resolve(host.CapAdd, host.CapDrop, host.Privileged, available);
        var args = new List<string> { c.Path };
        args.AddRange(c.Args);
        if (host.Init) args.InsertRange(0, [InitPath, "--"]);
        bool noNewPrivileges = SecurityOptions.NoNewPrivileges(host.SecurityOpt);
        var process = new SpecProcess
        {
            Terminal = context.Terminal,
            User = new SpecUser { Uid = context.User.Uid, Gid = context.User.Gid, AdditionalGids = context.User.AdditionalGids.Count > 0 ? context.User.AdditionalGids : null },
            Args = args,
            Env = ContainerEnvironment.ForProcess(c.Config.Env, c.Config.Hostname, c.Config.Tty),
            Cwd = string.IsNullOrEmpty(c.Config.WorkingDir) ? "/" : c.Config.WorkingDir,
            Capabilities = new SpecCapabilities { Bounding = caps, Effective = caps, Permitted = caps },
            NoNewPrivileges = noNewPrivileges,
            OomScoreAdj = 0,
            Rlimits = Ulimits.ToSpec(host.Ulimits),
        };

        var mounts = DockerDefaults.Mounts(host.Privileged, host.ShmSize > 0 ? host.ShmSize : DockerDefaults.ShmSize).ToList();
        var bind = new[] { "rbind", "rprivate" };
        foreach (var file in new[] { "resolv.conf", "hostname", "hosts" })
        {
            mounts.Add(new SpecMount { Destination = "/etc/" + file, Type = "bind", Source = Path.Combine(context.BundleDirectory, file), Options = bind });
        }
        foreach (var m in c.Mounts)
        {
            if (m.Type == "tmpfs")
            {
                var options = new List<string> { "nosuid", "nodev", "noexec" };
                options.AddRange(m.Options);
                mounts.Add(new SpecMount { Destination = m.Destination, Type = "tmpfs", Source = "tmpfs", Options = options });
                continue;
            }
            mounts.Add(new SpecMount { Destination = m.Destination, Type = "bind", Source = m.Source, Options = ["rbind", "rprivate", m.ReadOnly ? "ro" : "rw"] });
        }
        if (host.Init)
        {
            string init = context.InitBinary ?? throw new InvalidInputException("--init needs an init binary (docker-init or tini) on this machine: install the 'tini' package");
            mounts.Add(new SpecMount { Destination = InitPath, Type = "bind", Source = init, Options = ["bind", "ro"] });
        }

        var namespaces = new List<SpecNamespace> { new() { Type = "pid" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" } };
        if (context.NetworkMode == "bridge" && context.NetnsPath is not null) namespaces.Add(new SpecNamespace { Type = "network", Path = context.NetnsPath });
        else if (context.NetworkMode != "host") namespaces.Add(new SpecNamespace { Type = "network" });

        return new RuntimeSpec
        {
            Process = process,
            Root = new SpecRoot { Path = context.RootfsDirectory, Readonly = host.ReadonlyRootfs },
            Hostname = c.Config.Hostname,
            Mounts = mounts,
            Linux = new SpecLinux
            {
                Namespaces = namespaces,
                CgroupsPath = "/kist/" + c.Id,
                Resources = Resources(host, context.SwapAccounting),
                MaskedPaths = host.Privileged ? null : DockerDefaults.MaskedPaths,
                ReadonlyPaths = host.Privileged ? null : DockerDefaults.ReadonlyPaths,
                Seccomp = SecurityOptions.Seccomp(host.SecurityOpt, host.Privileged, caps),
            },
        };
    }

    private static SpecResources Resources(HostSettings host, bool swapAccounting) => new()
    {
        Devices = DockerDefaults.DeviceRules(host.Privileged),
        // docker lets a container swap as much as its memory limit (memory+swap = twice the limit) where swap is accounted.
        Memory = host.Memory > 0 ? new SpecMemory { Limit = host.Memory, Swap = swapAccounting ? host.Memory * 2 : null } : null,
        Cpu = host.NanoCpus > 0 ? new SpecCpu { Period = 100000, Quota = host.NanoCpus * 100000 / 1_000_000_000 } : null,
        Pids = host.PidsLimit is > 0 ? new SpecPids { Limit = host.PidsLimit.Value } : null,
    };
}
