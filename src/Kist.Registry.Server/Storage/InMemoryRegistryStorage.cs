using System.Runtime.CompilerServices;
using Kist.Oci;

namespace Kist.Registry.Server.Storage;

/// <summary>Registry storage in memory: for tests and throwaway registries. Same contract as the filesystem storage.</summary>
public sealed class InMemoryRegistryStorage : IRegistryStorage
{
    private sealed class Repository
    {
        public readonly HashSet<Digest> Layers = [];
        public readonly Dictionary<Digest, ManifestLink> Manifests = [];
        public readonly SortedDictionary<string, Digest> Tags = new(StringComparer.Ordinal);
        public readonly Dictionary<Digest, Dictionary<Digest, Descriptor>> Referrers = [];
    }

    private sealed class Upload(string repository, DateTimeOffset started)
    {
        public readonly string Repository = repository;
        public readonly DateTimeOffset Started = started;
        public readonly MemoryStream Data = new();
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<Digest, (byte[] Bytes, DateTimeOffset LastUsed)> _blobs = [];
    private readonly Dictionary<string, Repository> _repositories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Upload> _uploads = [];

    /// <summary>Sets a blob's last-use time (tests of the garbage collector's grace period).</summary>
    public void SetLastUsed(Digest digest, DateTimeOffset when)
    {
        lock (_lock) if (_blobs.TryGetValue(digest, out var blob)) _blobs[digest] = (blob.Bytes, when);
    }

    private Repository Repo(string name, bool create)
    {
        RepositoryNames.Validate(name);
        if (!_repositories.TryGetValue(name, out var repo) && create) _repositories[name] = repo = new Repository();
        return repo ?? new Repository();
    }

    public ValueTask<BlobInfo?> StatBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(_blobs.TryGetValue(digest, out var b) ? new BlobInfo(digest, b.Bytes.Length, b.LastUsed) : null);
    }

    public ValueTask<Stream?> OpenBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult<Stream?>(_blobs.TryGetValue(digest, out var b) ? new MemoryStream(b.Bytes, writable: false) : null);
    }

    public ValueTask TouchBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        SetLastUsed(digest, DateTimeOffset.UtcNow);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> DeleteBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(_blobs.Remove(digest));
    }

    public async IAsyncEnumerable<BlobInfo> ListBlobsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<BlobInfo> list;
        lock (_lock) list = [.. _blobs.Select(p => new BlobInfo(p.Key, p.Value.Bytes.Length, p.Value.LastUsed))];
        foreach (var b in list) yield return b;
    }

    public ValueTask<bool> HasBlobLinkAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(Repo(repository, false).Layers.Contains(digest));
    }

    public ValueTask LinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock) Repo(repository, true).Layers.Add(digest);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> UnlinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(Repo(repository, false).Layers.Remove(digest));
    }

    public async IAsyncEnumerable<Digest> ListBlobLinksAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<Digest> list;
        lock (_lock) list = [.. Repo(repository, false).Layers];
        foreach (var d in list) yield return d;
    }

    public ValueTask<UploadStatus> StartUploadAsync(string repository, CancellationToken cancellationToken = default)
    {
        RepositoryNames.Validate(repository);
        var id = Guid.NewGuid().ToString("N");
        var upload = new Upload(repository, DateTimeOffset.UtcNow);
        lock (_lock) _uploads[id] = upload;
        return ValueTask.FromResult(new UploadStatus(id, repository, 0, upload.Started));
    }

    private Upload? Find(string repository, string id) =>
        _uploads.TryGetValue(id, out var u) && u.Repository == repository ? u : null;

    public ValueTask<UploadStatus?> GetUploadAsync(string repository, string uploadId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var u = Find(repository, uploadId);
            return ValueTask.FromResult(u is null ? null : new UploadStatus(uploadId, repository, u.Data.Length, u.Started));
        }
    }

    public async ValueTask<UploadStatus> AppendUploadAsync(string repository, string uploadId, long? expectedOffset, Stream data, long maxBytes, CancellationToken cancellationToken = default)
    {
        Upload upload;
        long start;
        lock (_lock)
        {
            upload = Find(repository, uploadId) ?? throw new UploadUnknownException(uploadId);
            start = upload.Data.Length;
        }
        if (expectedOffset is { } offset && offset != start) throw new UploadOffsetException(start);
        var chunk = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await data.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (chunk.Length + n > maxBytes) throw new UploadTooLargeException(maxBytes);
            chunk.Write(buffer, 0, n);
        }
        lock (_lock)
        {
            if (upload.Data.Length != start) throw new UploadOffsetException(upload.Data.Length);
            chunk.Position = 0;
            upload.Data.Position = start;
            chunk.CopyTo(upload.Data);
            return new UploadStatus(uploadId, repository, upload.Data.Length, upload.Started);
        }
    }

    public ValueTask<BlobInfo> CompleteUploadAsync(string repository, string uploadId, Digest expected, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var upload = Find(repository, uploadId) ?? throw new UploadUnknownException(uploadId);
            var bytes = upload.Data.ToArray();
            using var hash = expected.CreateHash();
            hash.AppendData(bytes);
            var actual = Digest.FromHash(expected.Algorithm, hash.GetCurrentHash());
            _uploads.Remove(uploadId);
            if (actual != expected) throw new DigestMismatchException($"upload has digest {actual}, not {expected}");
            if (_blobs.TryGetValue(expected, out var existing)) bytes = existing.Bytes;
            _blobs[expected] = (bytes, DateTimeOffset.UtcNow);
            Repo(repository, true).Layers.Add(expected);
            return ValueTask.FromResult(new BlobInfo(expected, bytes.Length, DateTimeOffset.UtcNow));
        }
    }

    public ValueTask<bool> CancelUploadAsync(string repository, string uploadId, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(Find(repository, uploadId) is not null && _uploads.Remove(uploadId));
    }

    public async IAsyncEnumerable<UploadStatus> ListUploadsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<UploadStatus> list;
        lock (_lock) list = [.. _uploads.Select(p => new UploadStatus(p.Key, p.Value.Repository, p.Value.Data.Length, p.Value.Started))];
        foreach (var u in list) yield return u;
    }

    public ValueTask PutManifestAsync(string repository, ManifestWrite manifest, CancellationToken cancellationToken = default)
    {
        if (manifest.Tag is not null) RepositoryNames.ValidateTag(manifest.Tag);
        lock (_lock)
        {
            _blobs[manifest.Digest] = (_blobs.TryGetValue(manifest.Digest, out var b) ? b.Bytes : manifest.Bytes.ToArray(), DateTimeOffset.UtcNow);
            var repo = Repo(repository, true);
            repo.Manifests[manifest.Digest] = new ManifestLink(manifest.Digest, manifest.MediaType, manifest.Subject);
            if (manifest.Tag is { } tag) repo.Tags[tag] = manifest.Digest;
            if (manifest.Subject is { } subject && manifest.Referrer is { } referrer)
            {
                if (!repo.Referrers.TryGetValue(subject, out var set)) repo.Referrers[subject] = set = [];
                set[manifest.Digest] = referrer;
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<ManifestLink?> GetManifestLinkAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock) return ValueTask.FromResult(Repo(repository, false).Manifests.GetValueOrDefault(digest));
    }

    public ValueTask<StoredManifest?> GetManifestAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!Repo(repository, false).Manifests.TryGetValue(digest, out var link) || !_blobs.TryGetValue(digest, out var blob))
                return ValueTask.FromResult<StoredManifest?>(null);
            return ValueTask.FromResult<StoredManifest?>(new StoredManifest(digest, link.MediaType, blob.Bytes));
        }
    }

    public ValueTask<bool> DeleteManifestAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var repo = Repo(repository, false);
            if (!repo.Manifests.Remove(digest, out var link)) return ValueTask.FromResult(false);
            foreach (var tag in repo.Tags.Where(t => t.Value == digest).Select(t => t.Key).ToList()) repo.Tags.Remove(tag);
            if (link.Subject is { } subject && repo.Referrers.TryGetValue(subject, out var set)) set.Remove(digest);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<Digest?> ResolveTagAsync(string repository, string tag, CancellationToken cancellationToken = default)
    {
        RepositoryNames.ValidateTag(tag);
        lock (_lock) return ValueTask.FromResult<Digest?>(Repo(repository, false).Tags.TryGetValue(tag, out var d) ? d : null);
    }

    public ValueTask<bool> DeleteTagAsync(string repository, string tag, CancellationToken cancellationToken = default)
    {
        RepositoryNames.ValidateTag(tag);
        lock (_lock) return ValueTask.FromResult(Repo(repository, false).Tags.Remove(tag));
    }

    public async IAsyncEnumerable<string> ListTagsAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<string> list;
        lock (_lock) list = [.. Repo(repository, false).Tags.Keys];
        foreach (var t in list) yield return t;
    }

    public async IAsyncEnumerable<ManifestLink> ListManifestsAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<ManifestLink> list;
        lock (_lock) list = [.. Repo(repository, false).Manifests.Values];
        foreach (var m in list) yield return m;
    }

    public async IAsyncEnumerable<Descriptor> ListReferrersAsync(string repository, Digest subject, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<Descriptor> list;
        lock (_lock) list = Repo(repository, false).Referrers.TryGetValue(subject, out var set) ? [.. set.Values] : [];
        foreach (var d in list) yield return d;
    }

    public ValueTask<bool> RepositoryExistsAsync(string repository, CancellationToken cancellationToken = default)
    {
        RepositoryNames.Validate(repository);
        lock (_lock) return ValueTask.FromResult(_repositories.ContainsKey(repository));
    }

    public async IAsyncEnumerable<string> ListRepositoriesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        List<string> list;
        lock (_lock) list = [.. _repositories.Keys];
        list.Sort(StringComparer.Ordinal);
        foreach (var r in list) yield return r;
    }
}
