namespace Kist.Snapshots;

/// <summary>A filesystem mount: what to pass to mount(2) (or to the OCI runtime's mounts).</summary>
public sealed record Mount(string Type, string Source, IReadOnlyList<string> Options)
{
    /// <summary>The value of a <c>name=value</c> option (an overlay's upperdir, lowerdir or workdir), or null.</summary>
    public string? Option(string name) =>
        Options.FirstOrDefault(o => o.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];
}

public enum SnapshotKind { View, Active, Committed }

public sealed record SnapshotInfo(string Key, string? Parent, SnapshotKind Kind, DateTimeOffset Created);

/// <summary>Disk used by a snapshot's own layer (not its parents).</summary>
public sealed record SnapshotUsage(long Size, long Inodes);

/// <summary>
/// Filesystems by key, as containerd's snapshotters: committed snapshots (unpacked layers, keyed by ChainID) are
/// read-only parents; active snapshots are writable; views are read-only. Callers get mounts, never paths.
/// </summary>
public interface ISnapshotter
{
    string Name { get; }
    ValueTask<IReadOnlyList<Mount>> PrepareAsync(string key, string? parent, CancellationToken cancellationToken = default);
    ValueTask<IReadOnlyList<Mount>> ViewAsync(string key, string? parent, CancellationToken cancellationToken = default);
    /// <summary>The mounts of an existing active or view snapshot.</summary>
    ValueTask<IReadOnlyList<Mount>> MountsAsync(string key, CancellationToken cancellationToken = default);
    /// <summary>Turns an active snapshot into a committed one named <paramref name="name"/> (a ChainID for layers).</summary>
    ValueTask CommitAsync(string name, string activeKey, CancellationToken cancellationToken = default);
    /// <summary>Removes a snapshot; refuses while other snapshots have it as parent.</summary>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default);
    /// <summary>
    /// Removes a snapshot as <see cref="RemoveAsync"/> does, but moves its files aside instead of deleting them: the
    /// returned action deletes them, so that a caller can do other work beside that (no snapshot names them then).
    /// </summary>
    ValueTask<Action> UnlistAsync(string key, CancellationToken cancellationToken = default);
    /// <summary>
    /// Deletes the files of removals that never finished: moved aside by <see cref="UnlistAsync"/> more than
    /// <paramref name="age"/> ago, by a process killed before it deleted them. How many went.
    /// </summary>
    ValueTask<int> RemoveLeftoversAsync(TimeSpan age, CancellationToken cancellationToken = default);
    ValueTask<SnapshotInfo?> StatAsync(string key, CancellationToken cancellationToken = default);
    IAsyncEnumerable<SnapshotInfo> ListAsync(CancellationToken cancellationToken = default);
    ValueTask<SnapshotUsage> UsageAsync(string key, CancellationToken cancellationToken = default);
}
