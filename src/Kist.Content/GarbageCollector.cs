using Kist.Oci;

namespace Kist.Content;

public sealed record GcResult(IReadOnlyList<ContentInfo> Removed, long ReclaimedBytes);

/// <summary>
/// Removes blobs that no index entry reaches. It runs under the exclusive GC lock, which every
/// operation that adds content holds shared until its names are written, so nothing in flight is removed.
/// </summary>
public sealed class GarbageCollector(ImageStore images)
{
    /// <summary>Collects, waiting for running operations to finish.</summary>
    public async ValueTask<GcResult> CollectAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        using var gcLock = FileLock.Exclusive(images.Layout.GcLock);
        return await CollectLockedAsync(dryRun, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Collects only if no other operation is running; returns null when it did not run.</summary>
    public async ValueTask<GcResult?> TryCollectAsync(CancellationToken cancellationToken = default)
    {
        using var gcLock = FileLock.TryExclusive(images.Layout.GcLock);
        if (gcLock is null) return null;
        return await CollectLockedAsync(false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every blob the index reaches: manifests, indexes (their present children), configs, layers.</summary>
    public async ValueTask<HashSet<Digest>> ReachableAsync(CancellationToken cancellationToken = default)
    {
        var reachable = new HashSet<Digest>();
        var pending = new Stack<Descriptor>(images.ReadIndex().Select(e => e.Target).Concat(ExtraRoots()));
        while (pending.TryPop(out var descriptor))
        {
            if (!reachable.Add(descriptor.Digest) || !images.Content.Exists(descriptor.Digest)) continue;
            if (!MediaTypes.IsIndex(descriptor.MediaType) && !MediaTypes.IsManifest(descriptor.MediaType)) continue;
            byte[] bytes;
            try
            {
                bytes = await images.Content.ReadAllAsync(descriptor, cancellationToken).ConfigureAwait(false);
            }
            catch (KistException)
            {
                continue; // a corrupt document keeps what it names: system check reports it
            }
            string? mediaType = OciDocuments.DetectMediaType(bytes);
            if (MediaTypes.IsIndex(mediaType))
            {
                foreach (var child in OciDocuments.ReadIndex(bytes).Manifests) pending.Push(child);
            }
            else if (MediaTypes.IsManifest(mediaType))
            {
                var manifest = OciDocuments.ParseManifest(bytes).Value;
                reachable.Add(manifest.Config.Digest);
                foreach (var layer in manifest.Layers) reachable.Add(layer.Digest);
            }
        }
        return reachable;
    }

    /// <summary>The descriptors of the index files under <see cref="StoreLayout.GcRootsDirectory"/>; an unreadable one keeps nothing.</summary>
    private IEnumerable<Descriptor> ExtraRoots()
    {
        string dir = images.Layout.GcRootsDirectory;
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories))
        {
            ImageIndex? index = null;
            try
            {
                index = OciDocuments.ReadIndex(File.ReadAllBytes(file));
            }
            catch (Exception e) when (e is IOException or InvalidInputException) { }
            foreach (var d in index?.Manifests ?? []) yield return d;
        }
    }

    private async ValueTask<GcResult> CollectLockedAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var reachable = await ReachableAsync(cancellationToken).ConfigureAwait(false);
        var removed = new List<ContentInfo>();
        await foreach (var blob in images.Content.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reachable.Contains(blob.Digest)) continue;
            removed.Add(blob);
            if (!dryRun) await images.Content.DeleteAsync(blob.Digest, cancellationToken).ConfigureAwait(false);
        }
        if (!dryRun) RemoveAbandonedIngests();
        return new GcResult(removed, removed.Sum(b => b.Size));
    }

    /// <summary>
    /// With the exclusive GC lock held no blob write is running, and with the index lock no index rewrite:
    /// whatever is left in ingest/ was abandoned by a process that died. Partial downloads of a pull
    /// (<see cref="ResumableContentWriter"/>) are kept for a day, so that the pull can resume them.
    /// </summary>
    private void RemoveAbandonedIngests()
    {
        using var indexLock = FileLock.Exclusive(images.Layout.IndexLock);
        var keepAfter = DateTime.UtcNow - ResumableContentWriter.KeepFor;
        foreach (var file in Directory.EnumerateFiles(images.Layout.IngestDirectory))
        {
            if (Path.GetFileName(file).StartsWith(ResumableContentWriter.Prefix, StringComparison.Ordinal)
                && File.GetLastWriteTimeUtc(file) > keepAfter) continue;
            try { File.Delete(file); } catch (IOException) { }
        }
    }
}
