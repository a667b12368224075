using Kist.Oci;

namespace Kist.Snapshots;

/// <summary>Makes a committed snapshot that several kist processes may be making at the same time.</summary>
public static class SnapshotCommit
{
    /// <summary>
    /// Prepares an active snapshot over <paramref name="parent"/>, lets <paramref name="fill"/> write into its mounts
    /// and commits it as <paramref name="key"/>. When another process committed the same key meanwhile, theirs is as
    /// good as ours: ours is removed, as it is when anything fails.
    /// </summary>
    public static async Task CreateAsync(ISnapshotter snapshotter, string key, string? parent,
        Func<IReadOnlyList<Mount>, Task> fill, CancellationToken cancellationToken = default)
    {
        string active = $"extract-{RandomHex.Create(6)} {key}";
        var mounts = await snapshotter.PrepareAsync(active, parent, cancellationToken).ConfigureAwait(false);
        bool committed = false;
        try
        {
            await fill(mounts).ConfigureAwait(false);
            try
            {
                await snapshotter.CommitAsync(key, active, cancellationToken).ConfigureAwait(false);
                committed = true;
            }
            catch (ConflictException)
            {
                // Committed meanwhile by another process.
            }
        }
        finally
        {
            if (!committed) await snapshotter.RemoveAsync(active, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
