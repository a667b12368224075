using Kist.Oci;

namespace Kist.Registry.Server.Storage;

/// <summary>
/// The registry's storage: blobs addressed by digest and shared by every repository, per-repository
/// links that say which blobs and manifests a repository holds, tags, referrers, and uploads in a
/// staging area. A blob becomes visible only once its bytes were verified against its digest.
/// </summary>
public interface IRegistryStorage
{
    // Blobs, shared by all repositories.
    ValueTask<BlobInfo?> StatBlobAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>A seekable stream over a committed blob, or null when there is none.</summary>
    ValueTask<Stream?> OpenBlobAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Marks a blob as recently used, so that a concurrent garbage collection keeps it.</summary>
    ValueTask TouchBlobAsync(Digest digest, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteBlobAsync(Digest digest, CancellationToken cancellationToken = default);

    IAsyncEnumerable<BlobInfo> ListBlobsAsync(CancellationToken cancellationToken = default);

    // Which blobs a repository holds.
    ValueTask<bool> HasBlobLinkAsync(string repository, Digest digest, CancellationToken cancellationToken = default);

    ValueTask LinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default);

    ValueTask<bool> UnlinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default);

    IAsyncEnumerable<Digest> ListBlobLinksAsync(string repository, CancellationToken cancellationToken = default);

    // Uploads, in a staging area.
    ValueTask<UploadStatus> StartUploadAsync(string repository, CancellationToken cancellationToken = default);

    /// <summary>The upload's state, or null when the upload does not exist or belongs to another repository.</summary>
    ValueTask<UploadStatus?> GetUploadAsync(string repository, string uploadId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="data"/> to an upload. When <paramref name="expectedOffset"/> is given it must equal the
    /// upload's size (<see cref="UploadOffsetException"/> otherwise). More than <paramref name="maxBytes"/> bytes
    /// throws <see cref="UploadTooLargeException"/> and leaves the upload as it was before the call.
    /// </summary>
    ValueTask<UploadStatus> AppendUploadAsync(string repository, string uploadId, long? expectedOffset, Stream data, long maxBytes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Verifies the upload's bytes against <paramref name="expected"/>, commits them as a blob (atomically),
    /// links it into the repository and removes the upload. A mismatch removes the upload and throws
    /// <see cref="DigestMismatchException"/>.
    /// </summary>
    ValueTask<BlobInfo> CompleteUploadAsync(string repository, string uploadId, Digest expected, CancellationToken cancellationToken = default);

    ValueTask<bool> CancelUploadAsync(string repository, string uploadId, CancellationToken cancellationToken = default);

    IAsyncEnumerable<UploadStatus> ListUploadsAsync(CancellationToken cancellationToken = default);

    // Manifests, tags and referrers.
    /// <summary>Stores manifest bytes (as a blob) and links them into the repository, optionally under a tag.</summary>
    ValueTask PutManifestAsync(string repository, ManifestWrite manifest, CancellationToken cancellationToken = default);

    ValueTask<StoredManifest?> GetManifestAsync(string repository, Digest digest, CancellationToken cancellationToken = default);

    ValueTask<ManifestLink?> GetManifestLinkAsync(string repository, Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Removes a manifest from a repository, with the tags that point at it and its referrer entry.</summary>
    ValueTask<bool> DeleteManifestAsync(string repository, Digest digest, CancellationToken cancellationToken = default);

    ValueTask<Digest?> ResolveTagAsync(string repository, string tag, CancellationToken cancellationToken = default);

    ValueTask<bool> DeleteTagAsync(string repository, string tag, CancellationToken cancellationToken = default);

    /// <summary>Tags in ordinal order.</summary>
    IAsyncEnumerable<string> ListTagsAsync(string repository, CancellationToken cancellationToken = default);

    IAsyncEnumerable<ManifestLink> ListManifestsAsync(string repository, CancellationToken cancellationToken = default);

    IAsyncEnumerable<Descriptor> ListReferrersAsync(string repository, Digest subject, CancellationToken cancellationToken = default);

    ValueTask<bool> RepositoryExistsAsync(string repository, CancellationToken cancellationToken = default);

    /// <summary>Repository names in ordinal order.</summary>
    IAsyncEnumerable<string> ListRepositoriesAsync(CancellationToken cancellationToken = default);
}

public sealed record BlobInfo(Digest Digest, long Size, DateTimeOffset LastUsed);

public sealed record UploadStatus(string Id, string Repository, long Size, DateTimeOffset Started);

/// <summary>A manifest to store: its exact bytes, their digest, media type, an optional tag and the referrer entry for its subject.</summary>
public sealed record ManifestWrite(Digest Digest, string MediaType, ReadOnlyMemory<byte> Bytes, string? Tag = null, Digest? Subject = null, Descriptor? Referrer = null);

/// <summary>A repository's record of a manifest: digest, media type and the subject it refers to.</summary>
public sealed record ManifestLink(Digest Digest, string MediaType, Digest? Subject);

public sealed record StoredManifest(Digest Digest, string MediaType, byte[] Bytes);

/// <summary>A chunk that does not start where the upload ends.</summary>
public sealed class UploadOffsetException(long size) : KistException($"upload is at offset {size}")
{
    public long Size { get; } = size;
}

public sealed class UploadTooLargeException(long limit) : KistException($"more than {limit} bytes")
{
    public long Limit { get; } = limit;
}

public sealed class UploadUnknownException(string id) : NotFoundException($"upload {id} unknown");
