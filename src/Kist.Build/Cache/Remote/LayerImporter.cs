using System.Security.Cryptography;
using Kist.Content;
using Kist.Layers.Compression;
using Kist.Oci;

namespace Kist.Build.Cache.Remote;

/// <summary>
/// Brings an imported record's layer into the store: streamed once from the source into a verified writer while
/// the same bytes are decompressed and hashed, so the blob is committed only when both its digest and the diffID the
/// record claims hold. A blob already in the store is not fetched, but its diffID is still checked.
/// </summary>
public static class LayerImporter
{
    /// <returns>Whether the blob was fetched (false: it was already in the store).</returns>
    public static async Task<bool> ImportAsync(LocalContentStore content, Descriptor layer, Digest diffId,
        Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken = default)
    {
        if (content.Exists(layer.Digest))
        {
            await using var local = await content.OpenReadAsync(layer, cancellationToken).ConfigureAwait(false);
            await VerifyDiffIdAsync(local, layer, diffId, cancellationToken).ConfigureAwait(false);
            return false;
        }
        await using var writer = await content.OpenWriterAsync(layer, cancellationToken).ConfigureAwait(false);
        await using (var source = await open(cancellationToken).ConfigureAwait(false))
        {
            await using var tee = new TeeReadStream(source, writer.Stream, layer.Size, layer.Digest);
            await VerifyDiffIdAsync(tee, layer, diffId, cancellationToken).ConfigureAwait(false);
            await tee.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        await writer.CommitAsync(layer.MediaType, cancellationToken).ConfigureAwait(false); // checks digest and size
        return true;
    }

    private static async Task VerifyDiffIdAsync(Stream compressed, Descriptor layer, Digest diffId, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var (_, decompressed) = await CompressionDetector.OpenDecompressedAsync(compressed, cancellationToken).ConfigureAwait(false);
        await using (decompressed.ConfigureAwait(false))
        {
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await decompressed.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) hash.AppendData(buffer.AsSpan(0, n));
        }
        var actual = Digest.FromHash(Digest.Sha256, hash.GetHashAndReset());
        if (actual != diffId) throw new DigestMismatchException($"layer {layer.Digest}: its content has diffID {actual}, the cache record says {diffId}");
    }
}

/// <summary>Passes what is read through to a writer, refusing more bytes than expected. Disposing leaves both streams open.</summary>
internal sealed class TeeReadStream(Stream source, Stream copy, long limit, Digest what) : Stream
{
    private long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _read += n;
        if (_read > limit) throw new DigestMismatchException($"blob {what}: got more than the {limit} bytes expected");
        if (n > 0) await copy.WriteAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Reads (and copies) whatever the decompressor left, up to the end of the source.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0) { }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
