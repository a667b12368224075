using System.Security.Cryptography;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Content;

public sealed record CheckReport(IReadOnlyList<string> Problems, int BlobsVerified, int ReferencesChecked, int UnreferencedBlobs);

/// <summary><c>kist system check</c>: re-hashes every blob and follows every reference of the index.</summary>
public sealed class StoreChecker(ImageStore images)
{
    public async Task<CheckReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        CheckLayoutFile(problems);
        int blobs = 0;
        var corrupt = new HashSet<Digest>();
        await foreach (var blob in images.Content.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            blobs++;
            var actual = await HashFileAsync(images.Layout.BlobPath(blob.Digest), blob.Digest.Algorithm, cancellationToken).ConfigureAwait(false);
            if (actual != blob.Digest)
            {
                corrupt.Add(blob.Digest);
                problems.Add($"blob {blob.Digest}: content hashes to {actual}");
            }
        }
        foreach (var foreign in images.Content.ListForeignFiles()) problems.Add($"file {foreign} is not named by a valid digest");

        IReadOnlyList<IndexEntry> entries;
        try
        {
            entries = images.ReadIndex();
        }
        catch (KistException e)
        {
            problems.Add(e.Message);
            return new CheckReport(problems, blobs, 0, 0);
        }
        foreach (var entry in entries)
        {
            string what = entry.Reference?.ToFamiliarString() ?? $"unnamed image {entry.Target.Digest}";
            await CheckDocumentAsync(entry.Target, what, corrupt, problems, depth: 0, cancellationToken).ConfigureAwait(false);
        }
        var reachable = await new GarbageCollector(images).ReachableAsync(cancellationToken).ConfigureAwait(false);
        int unreferenced = 0;
        await foreach (var blob in images.Content.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reachable.Contains(blob.Digest)) unreferenced++;
        }
        return new CheckReport(problems, blobs, entries.Count, unreferenced);
    }

    private void CheckLayoutFile(List<string> problems)
    {
        try
        {
            var layout = JsonSerializer.Deserialize(File.ReadAllBytes(images.Layout.LayoutFile), OciJsonContext.Default.ImageLayoutFile);
            if (layout?.ImageLayoutVersion != ImageLayoutFile.CurrentVersion) problems.Add($"oci-layout: unexpected version {layout?.ImageLayoutVersion}");
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            problems.Add($"oci-layout: {e.Message}");
        }
    }

    private async Task CheckDocumentAsync(Descriptor descriptor, string what, HashSet<Digest> corrupt, List<string> problems, int depth, CancellationToken cancellationToken)
    {
        if (!CheckBlob(descriptor, what, corrupt, problems) || depth > 8) return;
        byte[] bytes = await File.ReadAllBytesAsync(images.Layout.BlobPath(descriptor.Digest), cancellationToken).ConfigureAwait(false);
        string? mediaType = OciDocuments.DetectMediaType(bytes);
        try
        {
            if (MediaTypes.IsIndex(mediaType))
            {
                var index = OciDocuments.ParseIndex(bytes).Value;
                var present = index.Manifests.Where(m => images.Content.Exists(m.Digest)).ToList();
                if (present.Count == 0) problems.Add($"{what}: none of the manifests of index {descriptor.Digest} is in the store");
                foreach (var child in present) await CheckDocumentAsync(child, what, corrupt, problems, depth + 1, cancellationToken).ConfigureAwait(false);
            }
            else if (MediaTypes.IsManifest(mediaType))
            {
                var manifest = OciDocuments.ParseManifest(bytes).Value;
                bool configOk = CheckBlob(manifest.Config, what, corrupt, problems);
                foreach (var layer in manifest.Layers) CheckBlob(layer, what, corrupt, problems);
                if (!configOk) return;
                var config = OciDocuments.ParseConfig(await File.ReadAllBytesAsync(images.Layout.BlobPath(manifest.Config.Digest), cancellationToken).ConfigureAwait(false)).Value;
                if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
                {
                    problems.Add($"{what}: manifest {descriptor.Digest} has {manifest.Layers.Count} layers, its config {config.RootFs.DiffIds.Count} diff IDs");
                }
            }
            else
            {
                problems.Add($"{what}: {descriptor.Digest} is not a manifest or index ({mediaType ?? "unknown type"})");
            }
        }
        catch (InvalidInputException e)
        {
            problems.Add($"{what}: {e.Message}");
        }
    }

    private bool CheckBlob(Descriptor descriptor, string what, HashSet<Digest> corrupt, List<string> problems)
    {
        var file = new FileInfo(images.Layout.BlobPath(descriptor.Digest));
        if (!file.Exists)
        {
            problems.Add($"{what}: blob {descriptor.Digest} is missing");
            return false;
        }
        if (file.Length != descriptor.Size)
        {
            problems.Add($"{what}: blob {descriptor.Digest} has {file.Length} bytes, its descriptor says {descriptor.Size}");
            return false;
        }
        return !corrupt.Contains(descriptor.Digest);
    }

    private static async Task<Digest> HashFileAsync(string path, string algorithm, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        byte[] hash = algorithm == Digest.Sha512
            ? await SHA512.HashDataAsync(file, cancellationToken).ConfigureAwait(false)
            : await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
        return Digest.FromHash(algorithm, hash);
    }
}
