namespace Kist.Runtime.State;

public static class ContainerStatus
{
    public const string Created = "created";
    public const string Running = "running";
    public const string Exited = "exited";
    public const string Removing = "removing";
}

/// <summary>
/// What a container is doing (<c>ROOT/containers/ID/state.json</c>, rewritten atomically under the container's
/// lock): docker's State plus the monitor that owns the running container.
/// </summary>
public sealed record ContainerState
{
    public string Status { get; init; } = ContainerStatus.Created;
    public int Pid { get; init; }
    public int ExitCode { get; init; }
    public string Error { get; init; } = "";
    public bool OOMKilled { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>The process that runs the container and records its end (a monitor, or the foreground <c>run</c>).</summary>
    public ProcessIdentity? Monitor { get; init; }
    public NetworkInfo? Network { get; init; }
    /// <summary>
    /// Set by <c>restart</c> before it stops the container: the monitor of a <c>--rm</c> container then keeps it for
    /// the start that follows, as docker does for a container it restarts.
    /// </summary>
    public bool RestartRequested { get; init; }

    public bool Running => Status == ContainerStatus.Running;
}

public sealed record NetworkInfo(string Mode, string? IPAddress, int PrefixLength, string? Gateway, string? MacAddress, string? NetnsPath);
