using Kist.Oci;

namespace Kist.Content;

public sealed record ContentInfo(Digest Digest, long Size, DateTimeOffset CommittedAt);

/// <summary>Bytes by digest. Every write is verified before it becomes visible; every read is verified at its end.</summary>
public interface IContentStore
{
    ValueTask<ContentInfo?> GetInfoAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob; the stream throws <see cref="DigestMismatchException"/> at its end if the bytes are not the descriptor's.</summary>
    ValueTask<Stream> OpenReadAsync(Descriptor descriptor, CancellationToken cancellationToken = default);

    /// <summary>Starts a blob; invisible to readers until committed, abandoned when disposed uncommitted.</summary>
    ValueTask<IContentWriter> OpenWriterAsync(Descriptor? expected = null, CancellationToken cancellationToken = default);

    IAsyncEnumerable<ContentInfo> ListAsync(CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken = default);
}

public interface IContentWriter : IAsyncDisposable
{
    /// <summary>Hashes the bytes as they are written.</summary>
    Stream Stream { get; }

    /// <summary>The digest of the bytes written so far.</summary>
    Digest WrittenDigest { get; }

    /// <summary>Ends the writing and verifies it against the expected descriptor; the blob stays invisible.</summary>
    ValueTask<Descriptor> SealAsync(string mediaType, CancellationToken cancellationToken = default);

    /// <summary>Seals (if not done yet) and makes the blob visible. A blob already in the store is kept as it is.</summary>
    ValueTask<Descriptor> CommitAsync(string mediaType, CancellationToken cancellationToken = default);

    /// <summary>Reads back what was written and sealed, before it is committed.</summary>
    Stream OpenSealed();
}
