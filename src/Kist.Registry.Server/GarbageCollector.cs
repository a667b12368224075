using System.Text.Json;
using Kist.Oci;
using Kist.Registry.Server.Storage;

namespace Kist.Registry.Server;

/// <summary>What a garbage collection removed (or would remove, in a dry run).</summary>
public sealed record GcReport(IReadOnlyList<BlobInfo> Removed, int Kept, IReadOnlyList<UploadStatus> StaleUploads, bool DryRun)
{
    public long RemovedBytes => Removed.Sum(b => b.Size);
}

/// <summary>
/// Mark and sweep over registry storage: every manifest of every repository is a root, and marks its config, layers
/// and child manifests. Unmarked blobs are removed unless they were used within <c>grace</c>: uploads touch the
/// blobs they commit, blob HEADs, mounts and manifest PUTs touch the blobs they name, so a push that runs alongside
/// a collection keeps its blobs. Uploads older than <c>uploadTtl</c> are removed too.
/// </summary>
public static class GarbageCollector
{
    public static async Task<GcReport> CollectAsync(IRegistryStorage storage, TimeSpan grace, TimeSpan uploadTtl, bool dryRun, CancellationToken cancellationToken = default)
    {
        var started = DateTimeOffset.UtcNow;
        var marked = new HashSet<Digest>();
        var visited = new HashSet<Digest>(); // manifests whose references are marked (a manifest in many repositories is read once)
        await foreach (var repository in storage.ListRepositoriesAsync(cancellationToken))
        {
            await foreach (var link in storage.ListManifestsAsync(repository, cancellationToken))
            {
                marked.Add(link.Digest);
                if (!visited.Add(link.Digest)) continue;
                if (await storage.GetManifestAsync(repository, link.Digest, cancellationToken) is not { } manifest) continue;
                foreach (var d in References(manifest)) marked.Add(d);
            }
        }
        var removed = new List<BlobInfo>();
        int kept = 0;
        var cutoff = started - grace;
        await foreach (var blob in storage.ListBlobsAsync(cancellationToken))
        {
            if (marked.Contains(blob.Digest) || blob.LastUsed > cutoff) { kept++; continue; }
            // Look again just before removing: a push may have touched it since the listing.
            if (await storage.StatBlobAsync(blob.Digest, cancellationToken) is not { } now || now.LastUsed > cutoff) { kept++; continue; }
            if (dryRun || await storage.DeleteBlobAsync(blob.Digest, cancellationToken)) removed.Add(blob);
        }
        if (!dryRun)
        {
            await foreach (var repository in storage.ListRepositoriesAsync(cancellationToken))
            {
                await foreach (var digest in storage.ListBlobLinksAsync(repository, cancellationToken))
                {
                    if (await storage.StatBlobAsync(digest, cancellationToken) is null) await storage.UnlinkBlobAsync(repository, digest, cancellationToken);
                }
            }
        }
        var stale = new List<UploadStatus>();
        await foreach (var upload in storage.ListUploadsAsync(cancellationToken))
        {
            if (upload.Started >= started - uploadTtl) continue;
            stale.Add(upload);
            if (!dryRun) await storage.CancelUploadAsync(upload.Repository, upload.Id, cancellationToken);
        }
        return new GcReport(removed, kept, stale, dryRun);
    }

    private static IEnumerable<Digest> References(StoredManifest manifest)
    {
        if (MediaTypes.IsIndex(manifest.MediaType))
        {
            ImageIndex? index = null;
            try { index = OciDocuments.ParseIndex(manifest.Bytes).Value; }
            catch (InvalidInputException) { }
            return index?.Manifests.Select(m => m.Digest) ?? [];
        }
        ImageManifest? m = null;
        try { m = OciDocuments.ParseManifest(manifest.Bytes).Value; }
        catch (Exception e) when (e is InvalidInputException or JsonException) { }
        return m is null ? [] : m.Layers.Prepend(m.Config).Select(d => d.Digest);
    }
}
