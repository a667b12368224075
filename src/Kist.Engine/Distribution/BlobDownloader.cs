using Kist.Content;
using Kist.Oci;
using Kist.Registry;

namespace Kist.Engine.Distribution;

/// <summary>
/// Streams one blob from a registry into the store: through a partial file that a later pull resumes
/// (Range from where it stopped), verified against its digest and size before it becomes visible.
/// </summary>
internal sealed class BlobDownloader(LocalContentStore content)
{
    private const int BufferSize = 1 << 20;

    /// <summary>Downloads unless the store has the blob; true when bytes were fetched.</summary>
    public async Task<bool> DownloadAsync(RegistryClient client, string repository, Descriptor blob, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if (content.Exists(blob.Digest)) return false;
        for (int attempt = 1; ; attempt++)
        {
            var resumable = await ResumableContentWriter.TryOpenAsync(content.Layout, blob, cancellationToken).ConfigureAwait(false);
            await using IContentWriter writer = resumable ?? await content.OpenWriterAsync(blob, cancellationToken).ConfigureAwait(false);
            long offset = resumable?.Offset ?? 0;
            try
            {
                if (offset < blob.Size)
                {
                    await using var body = await client.OpenBlobAsync(repository, blob, offset, cancellationToken).ConfigureAwait(false);
                    await CopyAsync(body, writer.Stream, offset, progress, cancellationToken).ConfigureAwait(false);
                }
                await writer.CommitAsync(blob.MediaType, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (DigestMismatchException) when (offset > 0 && attempt == 1)
            {
                // The partial file from an earlier attempt was bad (and is gone now): fetch it all once more.
                progress?.Report(0);
            }
        }
    }

    private static async Task CopyAsync(Stream source, Stream target, long offset, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long done = offset;
            progress?.Report(done);
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                done += n;
                progress?.Report(done);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
