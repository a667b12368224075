using System.Buffers;

namespace Kist.Content;

/// <summary>A stream copy that reads the next chunk while the previous one is still being written (and hashed).</summary>
public static class PipelinedCopy
{
    private const int ChunkSize = 1 << 20;

    public static async Task<long> CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken = default)
    {
        byte[] current = ArrayPool<byte>.Shared.Rent(ChunkSize);
        byte[] next = ArrayPool<byte>.Shared.Rent(ChunkSize);
        Task pendingWrite = Task.CompletedTask;
        long total = 0;
        try
        {
            while (true)
            {
                int read = await ReadChunkAsync(source, current, cancellationToken).ConfigureAwait(false);
                await pendingWrite.ConfigureAwait(false);
                if (read == 0) break;
                total += read;
                pendingWrite = destination.WriteAsync(current.AsMemory(0, read), cancellationToken).AsTask();
                (current, next) = (next, current);
            }
        }
        finally
        {
            // Never return a buffer that a write may still be using.
            try { await pendingWrite.ConfigureAwait(false); }
            finally
            {
                ArrayPool<byte>.Shared.Return(current);
                ArrayPool<byte>.Shared.Return(next);
            }
        }
        return total;
    }

    /// <summary>Fills the buffer as far as the stream allows, so that writes stay large.</summary>
    private static async ValueTask<int> ReadChunkAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < ChunkSize)
        {
            int n = await source.ReadAsync(buffer.AsMemory(filled, ChunkSize - filled), cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            filled += n;
        }
        return filled;
    }
}
