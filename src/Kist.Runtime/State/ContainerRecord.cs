using Kist.Runtime.Networking;

namespace Kist.Runtime.State;

/// <summary>
/// What a container is, fixed at create time (<c>ROOT/containers/ID/container.json</c>): docker's Config and
/// HostConfig, the image it came from and the snapshot that holds its read-write layer.
/// </summary>
public sealed record ContainerRecord
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required DateTimeOffset Created { get; init; }
    /// <summary>The image ID (<c>sha256:…</c>).</summary>
    public required string Image { get; init; }
    /// <summary>The image as the user named it (docker's Config.Image, shown by <c>ps</c>).</summary>
    public required string ImageName { get; init; }
    public required string Path { get; init; }
    public required IReadOnlyList<string> Args { get; init; }
    public required ContainerSettings Config { get; init; }
    public required HostSettings HostConfig { get; init; }
    public required IReadOnlyList<MountSpec> Mounts { get; init; }
    /// <summary>The snapshotter key of the read-write layer (<see cref="SnapshotKeyOf"/>); its parent is the image's ChainID.</summary>
    public required string SnapshotKey { get; init; }
    public required string ChainId { get; init; }

    /// <summary>The snapshotter key of container <paramref name="id"/>'s read-write layer.</summary>
    public static string SnapshotKeyOf(string id) => "container-" + id;
}

/// <summary>docker's container Config.</summary>
public sealed record ContainerSettings
{
    public required string Hostname { get; init; }
    public string Domainname { get; init; } = "";
    public string User { get; init; } = "";
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string> Cmd { get; init; } = [];
    public IReadOnlyList<string> Entrypoint { get; init; } = [];
    public string WorkingDir { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string StopSignal { get; init; } = "";
    public int? StopTimeout { get; init; }
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];
}

/// <summary>docker's HostConfig: how the container is run on this machine.</summary>
public sealed record HostSettings
{
    public IReadOnlyList<string> Binds { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tmpfs { get; init; } = new Dictionary<string, string>();
    public string NetworkMode { get; init; } = "bridge";
    public IReadOnlyList<PortMapping> PortBindings { get; init; } = [];
    public long Memory { get; init; }
    public long NanoCpus { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public bool Privileged { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public bool Init { get; init; }
    public bool AutoRemove { get; init; }
    public string Runtime { get; init; } = "runc";
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];
    public long ShmSize { get; init; }
    /// <summary><c>--ulimit</c>s, sorted by name as docker shows them.</summary>
    public IReadOnlyList<Ulimit> Ulimits { get; init; } = [];
}

/// <summary>One <c>--ulimit NAME=SOFT[:HARD]</c>; -1 is unlimited.</summary>
public sealed record Ulimit(string Name, long Hard, long Soft);

/// <summary>One mount of the container besides its rootfs: a bind, a named volume or a tmpfs.</summary>
public sealed record MountSpec
{
    /// <summary>bind, volume or tmpfs.</summary>
    public required string Type { get; init; }
    public required string Source { get; init; }
    public required string Destination { get; init; }
    /// <summary>The volume's name for <c>Type == volume</c>.</summary>
    public string? Name { get; init; }
    public bool ReadOnly { get; init; }
    /// <summary>Extra mount options (tmpfs size, mode...).</summary>
    public IReadOnlyList<string> Options { get; init; } = [];
}
