namespace Kist.Runtime.Monitor;

/// <summary>How the process that runs a container is connected to it.</summary>
public sealed record ContainerIO
{
    /// <summary>Copy the container's output to this process's stdout and stderr (foreground <c>run</c>, <c>start -a</c>).</summary>
    public bool Attach { get; init; }
    /// <summary>Give the container this process's standard input (<c>-i</c>).</summary>
    public bool Stdin { get; init; }
    /// <summary>
    /// Let the runtime own this process's terminal (<c>-t</c> in the foreground): it sets the terminal raw, creates
    /// the container's pty and copies between them; the output is not logged then.
    /// </summary>
    public bool Terminal { get; init; }
    /// <summary>
    /// Give the container a terminal of its own (<c>-t</c> under a detached monitor): the runtime's stdio is a pty
    /// this process holds, and what the container prints there goes to the log as stdout.
    /// </summary>
    public bool Pty { get; init; }
    /// <summary>Called once the container's process exists, with its host pid.</summary>
    public Action<int>? Started { get; init; }
    /// <summary>
    /// Run once the container's process has exited, while the runtime may still be tearing the container down (its
    /// cgroup, its state): clean-up that needs neither the runtime nor the exit code overlaps with the runtime's.
    /// The run's outcome comes after it has finished. It may start before <see cref="Started"/> has returned.
    /// </summary>
    public Func<Task>? Ended { get; init; }
}

/// <summary>How a run ended: the container's exit code, or the runtime's error (and docker's code for it).</summary>
public sealed record RunOutcome(int ExitCode, string? Error)
{
    public bool Failed => Error is not null;
}
