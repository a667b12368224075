using Kist.Runtime.State;

namespace Kist.Engine.Containers;

public sealed record ContainerPruneResult(IReadOnlyList<string> Deleted, long ReclaimedBytes);

/// <summary>docker container prune: every container that is not running, and the space its read-write layer held.</summary>
public sealed class ContainerPruner(ContainerService containers)
{
    public async Task<ContainerPruneResult> PruneAsync(CancellationToken cancellationToken = default)
    {
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (var view in await containers.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (view.State.Running) continue;
            long size = 0;
            try { size = (await containers.Runtime.Snapshotter.UsageAsync(view.Record.SnapshotKey, cancellationToken).ConfigureAwait(false)).Size; }
            catch (Kist.Oci.KistException) { }
            try
            {
                await containers.RemoveAsync(view.Record, force: false, volumes: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Kist.Oci.ConflictException) { continue; } // started meanwhile
            catch (Kist.Oci.NotFoundException) { continue; } // removed meanwhile
            deleted.Add(view.Record.Id);
            reclaimed += size;
        }
        return new ContainerPruneResult(deleted, reclaimed);
    }
}
