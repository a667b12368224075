using Kist.Oci;

namespace Kist.Build.Cache.Remote;

/// <summary>An exported build cache to import from: its manifest and config are read once, its layer blobs only when a step hits.</summary>
public abstract class CacheSource : IDisposable
{
    /// <summary>How progress and warnings name it (the directory or the reference).</summary>
    public abstract string Name { get; }

    /// <summary>The cache's manifest bytes (not yet checked).</summary>
    protected abstract Task<byte[]> ReadManifestAsync(CancellationToken cancellationToken);

    /// <summary>A blob the manifest lists; its bytes are verified by the reader.</summary>
    public abstract Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken cancellationToken);

    /// <summary>Reads and checks the manifest and config; throws (an <see cref="KistException"/> or I/O error) when either is missing or bad.</summary>
    public async Task<IReadOnlyList<CacheRecord>> LoadAsync(CancellationToken cancellationToken)
    {
        var manifest = CacheManifest.ParseManifest(await ReadManifestAsync(cancellationToken).ConfigureAwait(false));
        await using var stream = await OpenBlobAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
        var config = await ReadVerifiedAsync(stream, manifest.Config, CacheManifest.MaxConfigBytes, cancellationToken).ConfigureAwait(false);
        return CacheManifest.ParseRecords(manifest, config);
    }

    /// <summary>Reads a small blob whole, refusing more than its descriptor's size (or <paramref name="max"/>) and a wrong digest.</summary>
    public static async Task<byte[]> ReadVerifiedAsync(Stream stream, Descriptor blob, int max, CancellationToken cancellationToken)
    {
        if (blob.Size < 0 || blob.Size > max) throw new InvalidInputException($"blob {blob.Digest} of {blob.Size} bytes refused (at most {max})");
        var buffer = new byte[blob.Size + 1];
        int read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read != blob.Size) throw new DigestMismatchException($"blob {blob.Digest}: got {(read > blob.Size ? "more than " + blob.Size : read)} bytes, expected {blob.Size}");
        var bytes = buffer.AsSpan(0, read).ToArray();
        var actual = Digest.Compute(bytes);
        if (blob.Digest.Algorithm != Digest.Sha256 || actual != blob.Digest)
            throw new DigestMismatchException($"blob {blob.Digest}: the content does not match its digest (it hashes to {actual})");
        return bytes;
    }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
