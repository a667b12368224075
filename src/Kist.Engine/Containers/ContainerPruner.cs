using Kist.Runtime.State;

namespace Kist.Engine.Containers;

public sealed record ContainerPruneResult(IReadOnlyList<string> Deleted, long ReclaimedBytes);

/// <summary>
/// docker container prune: every container that is not running, and the space its read-write layer held (and what a
/// kist killed while starting a container left, unlisted); and the containers row of <c>system df</c>.
/// </summary>
public sealed class ContainerPruner(ContainerService containers)
{
    /// <summary>
    /// How long a container directory without a record is taken for one whose start is still under way, and a
    /// read-write layer moved aside for one whose removal is still deleting it.
    /// </summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    public async Task<ContainerPruneResult> PruneAsync(CancellationToken cancellationToken = default)
    {
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (var view in await containers.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (view.State.Running) continue;
            long size = await LayerSizeAsync(view, cancellationToken).ConfigureAwait(false);
            try
            {
                await containers.RemoveAsync(view.Record, force: false, volumes: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Kist.Oci.ConflictException) { continue; } // started meanwhile
            catch (Kist.Oci.NotFoundException) { continue; } // removed meanwhile
            deleted.Add(view.Record.Id);
            reclaimed += size;
        }
        // Never listed, so not reported: what a kist killed at the start of a container left, and the directories and
        // read-write layers of removals killed before they had deleted them.
        foreach (var id in containers.Store.Abandoned(AbandonedAfter))
        {
            await containers.Runtime.RemoveAbandonedAsync(id, cancellationToken).ConfigureAwait(false);
        }
        containers.Store.DeleteUnfinishedRemovals();
        await containers.Runtime.Snapshotter.RemoveLeftoversAsync(AbandonedAfter, cancellationToken).ConfigureAwait(false);
        return new ContainerPruneResult(deleted, reclaimed);
    }

    /// <summary><c>system df</c>'s containers: their read-write layers, reclaimable for those not running.</summary>
    public async Task<DiskUsageRow> DiskUsageAsync(CancellationToken cancellationToken = default)
    {
        int total = 0, running = 0;
        long size = 0, reclaimable = 0;
        foreach (var view in await containers.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            total++;
            long layer = await LayerSizeAsync(view, cancellationToken).ConfigureAwait(false);
            size += layer;
            if (view.State.Running) running++;
            else reclaimable += layer;
        }
        return new DiskUsageRow(total, running, size, reclaimable);
    }

    private async Task<long> LayerSizeAsync(ContainerView view, CancellationToken cancellationToken)
    {
        try { return (await containers.Runtime.Snapshotter.UsageAsync(view.Record.SnapshotKey, cancellationToken).ConfigureAwait(false)).Size; }
        catch (Kist.Oci.KistException) { return 0; } // removed meanwhile, or its snapshot is gone
    }
}
