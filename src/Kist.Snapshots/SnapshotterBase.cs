using System.Runtime.CompilerServices;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Snapshots;

/// <summary>The bookkeeping every snapshotter shares; implementations decide how a snapshot is laid out and mounted.</summary>
public abstract class SnapshotterBase : ISnapshotter
{
    private readonly SnapshotStore _store;

    protected SnapshotterBase(string root) => _store = new SnapshotStore(root);

    public abstract string Name { get; }
    public string Root => _store.Root;

    /// <summary>Lays out a new snapshot's directory (<paramref name="parents"/>: the committed chain, topmost first).</summary>
    protected abstract void Create(string dir, SnapshotKind kind, IReadOnlyList<string> parents);

    protected abstract IReadOnlyList<Mount> Mounts(string dir, SnapshotKind kind, IReadOnlyList<string> parents);

    protected static string Fs(string dir) => Path.Combine(dir, "fs");

    public ValueTask<IReadOnlyList<Mount>> PrepareAsync(string key, string? parent, CancellationToken cancellationToken = default) =>
        CreateAsync(key, parent, SnapshotKind.Active, cancellationToken);

    public ValueTask<IReadOnlyList<Mount>> ViewAsync(string key, string? parent, CancellationToken cancellationToken = default) =>
        CreateAsync(key, parent, SnapshotKind.View, cancellationToken);

    private async ValueTask<IReadOnlyList<Mount>> CreateAsync(string key, string? parent, SnapshotKind kind, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var (dir, parents) = await _store.WithLockAsync(db =>
        {
            if (db.Snapshots.ContainsKey(key)) throw new ConflictException($"snapshot {key} already exists");
            var chain = SnapshotStore.Chain(db, parent);
            long id = db.NextId++;
            db.Snapshots[key] = new SnapshotRecord { Id = id, Kind = kind, Parent = parent, Created = DateTimeOffset.UtcNow };
            return (_store.SnapshotDir(id), chain.Select(c => _store.SnapshotDir(c.Id)).ToList());
        }, write: true, cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(dir);
            // In this thread: a hop to the thread pool cost every container start more than the overlay's two mkdirs.
            Create(dir, kind, parents);
        }
        catch
        {
            await RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return Mounts(dir, kind, parents);
    }

    public async ValueTask<IReadOnlyList<Mount>> MountsAsync(string key, CancellationToken cancellationToken = default)
    {
        var (dir, kind, parents) = await _store.WithLockAsync(db =>
        {
            var r = SnapshotStore.Get(db, key);
            var chain = SnapshotStore.Chain(db, r.Parent);
            return (_store.SnapshotDir(r.Id), r.Kind, chain.Select(c => _store.SnapshotDir(c.Id)).ToList());
        }, write: false, cancellationToken).ConfigureAwait(false);
        if (kind == SnapshotKind.Committed) throw new InvalidInputException($"snapshot {key} is committed: view it to mount it");
        return Mounts(dir, kind, parents);
    }

    public async ValueTask CommitAsync(string name, string activeKey, CancellationToken cancellationToken = default)
    {
        await _store.WithLockAsync(db =>
        {
            var r = SnapshotStore.Get(db, activeKey);
            if (r.Kind != SnapshotKind.Active) throw new InvalidInputException($"snapshot {activeKey} is not active");
            if (db.Snapshots.ContainsKey(name)) throw new ConflictException($"snapshot {name} already exists");
            db.Snapshots.Remove(activeKey);
            r.Kind = SnapshotKind.Committed;
            db.Snapshots[name] = r;
            return true;
        }, write: true, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        (await UnlistAsync(key, cancellationToken).ConfigureAwait(false))();

    public async ValueTask<Action> UnlistAsync(string key, CancellationToken cancellationToken = default)
    {
        string dir = await _store.WithLockAsync(db =>
        {
            var r = SnapshotStore.Get(db, key);
            var child = db.Snapshots.FirstOrDefault(kv => kv.Value.Parent == key).Key;
            if (child != null) throw new ConflictException($"snapshot {key} has a child snapshot {child}");
            db.Snapshots.Remove(key);
            return _store.SnapshotDir(r.Id);
        }, write: true, cancellationToken).ConfigureAwait(false);
        if (!Directory.Exists(dir)) return static () => { };
        var trash = Path.Combine(Root, "snapshots", $"{TrashPrefix}{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}-{Guid.NewGuid():N}");
        Directory.Move(dir, trash);
        return () => Dirs.RemoveTree(trash);
    }

    /// <summary>Files moved aside for deletion: <c>rm-SECONDS-GUID</c>, the Unix time of the move first.</summary>
    private const string TrashPrefix = "rm-";

    public ValueTask<int> RemoveLeftoversAsync(TimeSpan age, CancellationToken cancellationToken = default)
    {
        string snapshots = Path.Combine(Root, "snapshots");
        if (!Directory.Exists(snapshots)) return ValueTask.FromResult(0);
        long movedBefore = (DateTimeOffset.UtcNow - age).ToUnixTimeSeconds();
        int removed = 0;
        foreach (var trash in Directory.EnumerateDirectories(snapshots, TrashPrefix + "*"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Kist before this named them rm-GUID: those are old.
            string[] parts = Path.GetFileName(trash).Split('-');
            if (parts.Length == 3 && long.TryParse(parts[1], out long movedAt) && movedAt > movedBefore) continue;
            try
            {
                Dirs.RemoveTree(trash);
                removed++;
            }
            catch (IOException) { } // its own removal is deleting it
        }
        return ValueTask.FromResult(removed);
    }

    public async ValueTask<SnapshotInfo?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        await _store.WithLockAsync(db => db.Snapshots.TryGetValue(key, out var r) ? Info(key, r) : null, write: false, cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<SnapshotInfo> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var all = await _store.WithLockAsync(db => db.Snapshots.Select(kv => Info(kv.Key, kv.Value)).ToList(), write: false, cancellationToken).ConfigureAwait(false);
        foreach (var i in all) yield return i;
    }

    public async ValueTask<SnapshotUsage> UsageAsync(string key, CancellationToken cancellationToken = default)
    {
        string dir = await _store.WithLockAsync(db => _store.SnapshotDir(SnapshotStore.Get(db, key).Id), write: false, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => Measure(Fs(dir)), cancellationToken).ConfigureAwait(false);
    }

    private static SnapshotInfo Info(string key, SnapshotRecord r) => new(key, r.Parent, r.Kind, r.Created);

    private static SnapshotUsage Measure(string fs)
    {
        long size = 0, inodes = 0;
        var seen = new HashSet<(ulong, ulong)>();
        int fd = Dirs.OpenRoot(fs);
        try { Walk(fd); }
        finally { Libc.Close(fd); }
        return new SnapshotUsage(size, inodes);

        void Walk(int dirfd)
        {
            foreach (var name in Dirs.List(dirfd))
            {
                var st = FileStat.Lstat(dirfd, name);
                if (!seen.Add(st.Identity)) continue;
                inodes++;
                if (st.IsRegular) size += st.Size;
                if (st.IsDirectory)
                {
                    int c = Dirs.OpenDirNoFollow(dirfd, name);
                    try { Walk(c); } finally { Libc.Close(c); }
                }
            }
        }
    }
}
