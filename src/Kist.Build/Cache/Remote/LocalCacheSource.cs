using Kist.Oci;

namespace Kist.Build.Cache.Remote;

/// <summary>A cache exported with <c>type=local</c>: an OCI image layout whose <c>index.json</c> names the cache manifest.</summary>
public sealed class LocalCacheSource(string directory) : CacheSource
{
    public override string Name => directory;

    protected override async Task<byte[]> ReadManifestAsync(CancellationToken cancellationToken)
    {
        string indexPath = Path.Combine(directory, "index.json");
        if (!File.Exists(indexPath)) throw new NotFoundException($"{indexPath}: no such file (not an exported build cache)");
        var index = OciDocuments.ParseIndex(await ReadBoundedAsync(indexPath, OciDocuments.MaxManifestBytes, cancellationToken).ConfigureAwait(false)).Value;
        var manifest = index.Manifests.FirstOrDefault(m => m.MediaType == MediaTypes.OciManifest)
            ?? throw new InvalidInputException($"{indexPath} names no OCI image manifest");
        await using var stream = await OpenBlobAsync(manifest, cancellationToken).ConfigureAwait(false);
        return await ReadVerifiedAsync(stream, manifest, OciDocuments.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads at most <paramref name="max"/> bytes (a device or a growing file is not read forever).</summary>
    private static async Task<byte[]> ReadBoundedAsync(string path, int max, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        var buffer = new byte[max + 1];
        int read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read > max) throw new InvalidInputException($"{path} is larger than {max} bytes");
        return buffer.AsSpan(0, read).ToArray();
    }

    public override Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken cancellationToken)
    {
        // A Digest is an algorithm and hex (validated when parsed), so the path cannot leave blobs/.
        string path = Path.Combine(directory, "blobs", blob.Digest.Algorithm, blob.Digest.Encoded);
        if (!File.Exists(path)) throw new NotFoundException($"blob {blob.Digest} is missing from {directory}");
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }
}
