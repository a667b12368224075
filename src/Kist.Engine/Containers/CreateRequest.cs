namespace Kist.Engine.Containers;

/// <summary>The flags of <c>run</c>/<c>create</c>, as given (the service parses and checks them).</summary>
public sealed record CreateRequest
{
    public required string Image { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<string> Cmd { get; init; } = [];
    /// <summary>null when <c>--entrypoint</c> was not given.</summary>
    public string? Entrypoint { get; init; }
    /// <summary>KEY=VALUE pairs (the CLI resolved bare names and env files).</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? User { get; init; }
    public string? WorkingDir { get; init; }
    public string? Hostname { get; init; }
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public IReadOnlyList<string> Volumes { get; init; } = [];
    public IReadOnlyList<string> Tmpfs { get; init; } = [];
    public bool ReadOnly { get; init; }
    public bool Init { get; init; }
    public string NetworkMode { get; init; } = "bridge";
    public IReadOnlyList<string> Publish { get; init; } = [];
    public string? Memory { get; init; }
    public string? Cpus { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public bool Privileged { get; init; }
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];
    public string? StopSignal { get; init; }
    public int? StopTimeout { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];
    public bool AutoRemove { get; init; }
    public string Runtime { get; init; } = "runc";
    public string? ShmSize { get; init; }
    /// <summary><c>--ulimit NAME=SOFT[:HARD]</c> flags.</summary>
    public IReadOnlyList<string> Ulimits { get; init; } = [];
}
