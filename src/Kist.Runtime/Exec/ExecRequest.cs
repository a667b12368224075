namespace Kist.Runtime.Exec;

/// <summary>One <c>exec</c> in a running container: docker's ExecConfig.</summary>
public sealed record ExecRequest
{
    public required IReadOnlyList<string> Cmd { get; init; }
    /// <summary>The user's variables (already read from <c>-e</c> and <c>--env-file</c>).</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
    /// <summary><c>-u</c>; null for the container's user.</summary>
    public string? User { get; init; }
    /// <summary><c>-w</c>; null for the container's working directory.</summary>
    public string? WorkingDir { get; init; }
    public bool Privileged { get; init; }
    /// <summary>The process gets a pty (<c>-t</c>); the runtime copies between it and this process's stdio.</summary>
    public bool Tty { get; init; }
    /// <summary>Give the process this process's standard input (<c>-i</c>).</summary>
    public bool Stdin { get; init; }
    /// <summary>Start it and return at once (<c>-d</c>): its output is discarded.</summary>
    public bool Detach { get; init; }
}
