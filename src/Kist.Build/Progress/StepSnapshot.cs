namespace Kist.Build.Progress;

public enum StepState { Running, Done, Cached, Failed, Canceled }

/// <summary>
/// A step as the tty display draws it at one moment. Times are offsets from the start of the build, so that a frame
/// is a pure function of the snapshot and "now".
/// </summary>
public sealed record StepSnapshot(string Name, TimeSpan Started)
{
    public StepState State { get; init; } = StepState.Running;
    public TimeSpan? Completed { get; init; }

    /// <summary>The last lines of the step's output (at most <see cref="TtyFrame.TailLines"/>), already made printable.</summary>
    public IReadOnlyList<string> Tail { get; init; } = [];

    /// <summary>Finished parts of the step (<c>writing image sha256:…</c>), drawn as <c>=> =></c> lines under it.</summary>
    public IReadOnlyList<StatusSnapshot> Statuses { get; init; } = [];
}

public sealed record StatusSnapshot(string Name, TimeSpan Started, TimeSpan Completed);
