using Kist.Build.Cache;
using Kist.Content;
using Kist.Engine.Layers;
using Kist.Oci;
using Kist.Snapshots;

namespace Kist.Engine.Build;

/// <summary>
/// Removes committed snapshots that neither an image nor a build cache record needs (what builds and removed images
/// leave unpacked), leaf first. A snapshot under a container's or a mount's snapshot is never removed: the
/// snapshotter refuses to remove a parent. Under the GC lock, which builds, pulls, loads and commits hold shared until
/// their results are recorded: none is half-way while snapshots go.
/// </summary>
public sealed class SnapshotPruner(KistEngine engine)
{
    /// <summary>Waits for the GC lock, then prunes; returns the bytes freed.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken = default)
    {
        using var gcLock = FileLock.Exclusive(engine.Layout.GcLock);
        return await PruneLockedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Prunes unless a build, pull or load holds the GC lock (then the next prune does it): as <c>rmi</c> does.</summary>
    public async Task<long> TryPruneAsync(CancellationToken cancellationToken = default)
    {
        using var gcLock = FileLock.TryExclusive(engine.Layout.GcLock);
        return gcLock is null ? 0 : await PruneLockedAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> PruneLockedAsync(CancellationToken cancellationToken)
    {
        var snapshotter = new ImageMountService(engine).Snapshotter;
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in await engine.Images.ListAsync(cancellationToken).ConfigureAwait(false))
            foreach (var chain in ImageUnpacker.ChainIds(image.Image.ConfigValue.RootFs.DiffIds)) keep.Add(chain.ToString());
        foreach (var chain in new BuildCache(engine.Layout, engine.Content).ChainIds()) keep.Add(chain);

        long freed = 0;
        for (bool removed = true; removed;)
        {
            removed = false;
            var all = new List<SnapshotInfo>();
            await foreach (var s in snapshotter.ListAsync(cancellationToken).ConfigureAwait(false)) all.Add(s);
            var parents = all.Where(s => s.Parent is not null).Select(s => s.Parent!).ToHashSet(StringComparer.Ordinal);
            foreach (var s in all)
            {
                if (s.Kind != SnapshotKind.Committed || keep.Contains(s.Key) || parents.Contains(s.Key)) continue;
                long size = (await snapshotter.UsageAsync(s.Key, cancellationToken).ConfigureAwait(false)).Size;
                try
                {
                    await snapshotter.RemoveAsync(s.Key, cancellationToken).ConfigureAwait(false);
                    freed += size;
                    removed = true;
                }
                catch (ConflictException) { } // a child appeared meanwhile
                catch (NotFoundException) { }
            }
        }
        return freed;
    }
}
