using Kist.Content;
using Kist.Oci;
using Kist.Registry;

namespace Kist.Build.Cache.Remote;

/// <summary>
/// Writes an exported cache: to an OCI image layout directory (blobs first, then <c>index.json</c> swapped in by a
/// rename, so a reader sees the old export or the new one), or pushed to a registry (blobs the registry lacks, then
/// the manifest under the tag).
/// </summary>
public static class CacheExporter
{
    public static async Task ExportAsync(CacheExportSpec spec, IReadOnlyCollection<CacheRecord> records, LocalContentStore content,
        Func<string, RegistryClient>? registries, CancellationToken cancellationToken = default)
    {
        var blobs = CacheManifest.Create(records);
        if (spec.Type == CacheLocationType.Local)
        {
            await WriteLayoutAsync(Path.GetFullPath(spec.Location), blobs, content, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (registries is null) throw new KistException("registry caches are not available here");
        var reference = ImageReference.Parse(spec.Location);
        using var client = registries(reference.Domain);
        // Layers in parallel, as kist push sends them; each is skipped when the registry has it.
        await Parallel.ForEachAsync(blobs.Layers, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (layer, ct) =>
            await client.PushBlobAsync(reference.Path, layer, c => content.OpenReadAsync(layer, c), cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);
        await client.PushBlobAsync(reference.Path, blobs.ConfigDescriptor, _ => ValueTask.FromResult<Stream>(new MemoryStream(blobs.Config, writable: false)),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await client.PutManifestAsync(reference.Path, reference.Tag!, blobs.Manifest, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteLayoutAsync(string directory, CacheManifestBlobs blobs, LocalContentStore content, CancellationToken cancellationToken = default)
    {
        string blobDir = Path.Combine(directory, "blobs", Digest.Sha256);
        Directory.CreateDirectory(blobDir);
        foreach (var layer in blobs.Layers)
        {
            string path = Path.Combine(blobDir, layer.Digest.Encoded);
            if (File.Exists(path) && new FileInfo(path).Length == layer.Size) continue; // the importer verifies it anyway
            await WriteAtomicallyAsync(path, async stream =>
            {
                await using var source = await content.OpenReadAsync(layer, cancellationToken).ConfigureAwait(false);
                await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        await WriteBytesAsync(Path.Combine(blobDir, blobs.ConfigDescriptor.Digest.Encoded), blobs.Config, cancellationToken).ConfigureAwait(false);
        await WriteBytesAsync(Path.Combine(blobDir, blobs.ManifestDescriptor.Digest.Encoded), blobs.Manifest, cancellationToken).ConfigureAwait(false);
        await WriteBytesAsync(Path.Combine(directory, ImageLayoutFile.FileName),
            OciDocuments.Serialize(new ImageLayoutFile { ImageLayoutVersion = ImageLayoutFile.CurrentVersion }, OciJsonContext.Default.ImageLayoutFile), cancellationToken).ConfigureAwait(false);
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [blobs.ManifestDescriptor] };
        await WriteBytesAsync(Path.Combine(directory, "index.json"), OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex), cancellationToken).ConfigureAwait(false);
        RemoveUnreferenced(blobDir, blobs);
    }

    /// <summary>
    /// The export replaces the previous one, so the blobs only it named go (only files named like a sha256 digest: a
    /// foreign file is left alone). A reader that read the old index.json meanwhile finds a layer missing: a warning
    /// for it, and the step runs.
    /// </summary>
    private static void RemoveUnreferenced(string blobDir, CacheManifestBlobs blobs)
    {
        var keep = new HashSet<string>(blobs.Layers.Select(l => l.Digest.Encoded).Append(blobs.ConfigDescriptor.Digest.Encoded).Append(blobs.ManifestDescriptor.Digest.Encoded), StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(blobDir))
        {
            string name = Path.GetFileName(file);
            if (keep.Contains(name) || !Digest.TryParse(Digest.Sha256 + ":" + name, out _)) continue;
            try { File.Delete(file); } catch (IOException) { }
        }
    }

    private static Task WriteBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken) =>
        WriteAtomicallyAsync(path, stream => stream.WriteAsync(bytes, cancellationToken).AsTask());

    /// <summary>Writes a temp file beside <paramref name="path"/>, then renames it over.</summary>
    private static async Task WriteAtomicallyAsync(string path, Func<Stream, Task> write)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, ".tmp-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await write(stream).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
