using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kist.Oci;

namespace Kist.Registry.Server.Storage;

/// <summary>
/// Registry storage on a local filesystem:
/// <c>blobs/ALG/XX/HEX</c> (content, shared), <c>uploads/ID/{data,info}</c> (staging),
/// <c>repositories/NAME/{_layers,_manifests}/ALG/HEX</c> (links), <c>repositories/NAME/_tags/TAG</c>,
/// <c>repositories/NAME/_referrers/ALG/SUBJECTHEX/ALG-HEX.json</c>, and <c>tmp/</c> for atomic writes.
/// Blobs are hashed while they stream in and renamed into place only when their digest matches.
/// </summary>
public sealed class FileSystemRegistryStorage : IRegistryStorage
{
    private const int BufferSize = 1 << 20;
    private readonly string _root, _blobs, _uploads, _repositories, _tmp;
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new();

    public FileSystemRegistryStorage(string root)
    {
        _root = Path.GetFullPath(root);
        _blobs = Path.Combine(_root, "blobs");
        _uploads = Path.Combine(_root, "uploads");
        _repositories = Path.Combine(_root, "repositories");
        _tmp = Path.Combine(_root, "tmp");
        foreach (var dir in new[] { _blobs, _uploads, _repositories, _tmp }) Directory.CreateDirectory(dir);
    }

    public string Root => _root;

    // ---- blobs

    private string BlobPath(Digest digest) => Path.Combine(_blobs, digest.Algorithm, digest.Encoded[..2], digest.Encoded);

    /// <summary>Where a committed blob's bytes are, for serving them with sendfile.</summary>
    public string BlobFilePath(Digest digest) => BlobPath(digest);

    public ValueTask<BlobInfo?> StatBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(BlobPath(digest));
        return ValueTask.FromResult(file.Exists ? new BlobInfo(digest, file.Length, file.LastWriteTimeUtc) : null);
    }

    public ValueTask<Stream?> OpenBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        try
        {
            Stream stream = new FileStream(BlobPath(digest), new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete,
                BufferSize = 0, Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
            return ValueTask.FromResult<Stream?>(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ValueTask.FromResult<Stream?>(null);
        }
    }

    public ValueTask TouchBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        try { File.SetLastWriteTimeUtc(BlobPath(digest), DateTime.UtcNow); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> DeleteBlobAsync(Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryDelete(BlobPath(digest)));

    public async IAsyncEnumerable<BlobInfo> ListBlobsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var algDir in SafeDirectories(_blobs))
        {
            foreach (var fanDir in SafeDirectories(algDir))
            {
                foreach (var file in SafeFiles(fanDir))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!Digest.TryParse(Path.GetFileName(algDir) + ":" + Path.GetFileName(file), out var digest)) continue;
                    var info = new FileInfo(file);
                    if (info.Exists) yield return new BlobInfo(digest, info.Length, info.LastWriteTimeUtc);
                }
            }
        }
    }

    // ---- repository links

    private string RepositoryPath(string repository) =>
        Path.Combine(_repositories, RepositoryNames.Validate(repository).Replace('/', Path.DirectorySeparatorChar));

    private string LayerLinkPath(string repository, Digest digest) =>
        Path.Combine(RepositoryPath(repository), "_layers", digest.Algorithm, digest.Encoded);

    private string ManifestLinkPath(string repository, Digest digest) =>
        Path.Combine(RepositoryPath(repository), "_manifests", digest.Algorithm, digest.Encoded);

    private string TagPath(string repository, string tag) =>
        Path.Combine(RepositoryPath(repository), "_tags", RepositoryNames.ValidateTag(tag));

    private string ReferrersPath(string repository, Digest subject) =>
        Path.Combine(RepositoryPath(repository), "_referrers", subject.Algorithm, subject.Encoded);

    public ValueTask<bool> HasBlobLinkAsync(string repository, Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(File.Exists(LayerLinkPath(repository, digest)));

    public ValueTask LinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        var path = LayerLinkPath(repository, digest);
        if (!File.Exists(path)) WriteAtomic(path, []);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> UnlinkBlobAsync(string repository, Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryDelete(LayerLinkPath(repository, digest)));

    public async IAsyncEnumerable<Digest> ListBlobLinksAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var algDir in SafeDirectories(Path.Combine(RepositoryPath(repository), "_layers")))
        {
            foreach (var file in SafeFiles(algDir))
            {
                if (Digest.TryParse(Path.GetFileName(algDir) + ":" + Path.GetFileName(file), out var digest)) yield return digest;
            }
        }
    }

    // ---- uploads

    private sealed class UploadSession
    {
        public readonly SemaphoreSlim Lock = new(1, 1);
        public IncrementalHash? Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public long Hashed;
    }

    private static bool IsUploadId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    private string UploadDir(string id) => Path.Combine(_uploads, id);

    public ValueTask<UploadStatus> StartUploadAsync(string repository, CancellationToken cancellationToken = default)
    {
        RepositoryNames.Validate(repository);
        string id = Guid.NewGuid().ToString("N");
        var dir = UploadDir(id);
        Directory.CreateDirectory(dir);
        var started = DateTimeOffset.UtcNow;
        File.WriteAllText(Path.Combine(dir, "info"), repository + "\n" + started.ToUnixTimeMilliseconds());
        File.Create(Path.Combine(dir, "data")).Dispose();
        _sessions[id] = new UploadSession();
        return ValueTask.FromResult(new UploadStatus(id, repository, 0, started));
    }

    private UploadStatus? ReadUpload(string id)
    {
        if (!IsUploadId(id)) return null;
        var dir = UploadDir(id);
        try
        {
            var lines = File.ReadAllText(Path.Combine(dir, "info")).Split('\n');
            var data = new FileInfo(Path.Combine(dir, "data"));
            if (lines.Length < 2 || !data.Exists || !long.TryParse(lines[1], out var ms)) return null;
            return new UploadStatus(id, lines[0], data.Length, DateTimeOffset.FromUnixTimeMilliseconds(ms));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public ValueTask<UploadStatus?> GetUploadAsync(string repository, string uploadId, CancellationToken cancellationToken = default)
    {
        var status = ReadUpload(uploadId);
        return ValueTask.FromResult(status is not null && status.Repository == repository ? status : null);
    }

    private UploadSession Session(string id) => _sessions.GetOrAdd(id, _ => new UploadSession { Hash = null });

    public async ValueTask<UploadStatus> AppendUploadAsync(string repository, string uploadId, long? expectedOffset, Stream data, long maxBytes, CancellationToken cancellationToken = default)
    {
        var session = Session(uploadId);
        await session.Lock.WaitAsync(cancellationToken);
        try
        {
            var status = await GetUploadAsync(repository, uploadId, cancellationToken) ?? throw new UploadUnknownException(uploadId);
            long start = status.Size;
            if (expectedOffset is { } offset && offset != start) throw new UploadOffsetException(start);
            if (session.Hash is not null && session.Hashed != start) { session.Hash.Dispose(); session.Hash = null; }
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            await using var file = new FileStream(Path.Combine(UploadDir(uploadId), "data"), new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0, Options = FileOptions.Asynchronous,
            });
            file.Seek(start, SeekOrigin.Begin);
            long written = 0;
            try
            {
                while (true)
                {
                    int filled = 0, n;
                    while (filled < BufferSize / 2 && (n = await data.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken)) > 0) filled += n;
                    if (filled == 0) break;
                    written += filled;
                    if (written > maxBytes) throw new UploadTooLargeException(maxBytes);
                    await file.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
                    session.Hash?.AppendData(buffer, 0, filled);
                    session.Hashed += filled;
                }
            }
            catch
            {
                // Leave the upload as it was before this chunk: a failed chunk adds nothing.
                file.SetLength(start);
                session.Hash?.Dispose();
                session.Hash = null;
                throw;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return status with { Size = start + written };
        }
        finally
        {
            session.Lock.Release();
        }
    }

    public async ValueTask<BlobInfo> CompleteUploadAsync(string repository, string uploadId, Digest expected, CancellationToken cancellationToken = default)
    {
        var session = Session(uploadId);
        await session.Lock.WaitAsync(cancellationToken);
        try
        {
            var status = await GetUploadAsync(repository, uploadId, cancellationToken) ?? throw new UploadUnknownException(uploadId);
            var dataPath = Path.Combine(UploadDir(uploadId), "data");
            Digest actual;
            if (session.Hash is not null && session.Hashed == status.Size && expected.Algorithm == Digest.Sha256)
            {
                actual = Digest.FromHash(Digest.Sha256, session.Hash.GetCurrentHash());
            }
            else
            {
                using var hash = expected.CreateHash();
                await using var read = File.OpenRead(dataPath);
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int n;
                    while ((n = await read.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0) hash.AppendData(buffer, 0, n);
                }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
                actual = Digest.FromHash(expected.Algorithm, hash.GetCurrentHash());
            }
            if (actual != expected)
            {
                RemoveUpload(uploadId);
                throw new DigestMismatchException($"upload has digest {actual}, not {expected}");
            }
            var target = BlobPath(expected);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(target))
            {
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
            }
            else
            {
                try { File.Move(dataPath, target, overwrite: false); }
                catch (IOException) when (File.Exists(target)) { } // the same content was committed concurrently
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
            }
            await LinkBlobAsync(repository, expected, cancellationToken);
            RemoveUpload(uploadId);
            return new BlobInfo(expected, status.Size, DateTimeOffset.UtcNow);
        }
        finally
        {
            session.Lock.Release();
        }
    }

    private void RemoveUpload(string id)
    {
        if (_sessions.TryRemove(id, out var session)) session.Hash?.Dispose();
        try { Directory.Delete(UploadDir(id), recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    public async ValueTask<bool> CancelUploadAsync(string repository, string uploadId, CancellationToken cancellationToken = default)
    {
        if (await GetUploadAsync(repository, uploadId, cancellationToken) is null) return false;
        var session = Session(uploadId);
        await session.Lock.WaitAsync(cancellationToken);
        try { RemoveUpload(uploadId); }
        finally { session.Lock.Release(); }
        return true;
    }

    public async IAsyncEnumerable<UploadStatus> ListUploadsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var dir in SafeDirectories(_uploads))
        {
            if (ReadUpload(Path.GetFileName(dir)) is { } status) yield return status;
        }
    }

    // ---- manifests

    public ValueTask PutManifestAsync(string repository, ManifestWrite manifest, CancellationToken cancellationToken = default)
    {
        var blob = BlobPath(manifest.Digest);
        if (!File.Exists(blob)) WriteAtomic(blob, manifest.Bytes.Span);
        else File.SetLastWriteTimeUtc(blob, DateTime.UtcNow);
        if (manifest.Subject is { } subject && manifest.Referrer is { } referrer)
        {
            WriteAtomic(Path.Combine(ReferrersPath(repository, subject), manifest.Digest.Algorithm + "-" + manifest.Digest.Encoded + ".json"),
                JsonSerializer.SerializeToUtf8Bytes(referrer, OciJsonContext.Default.Descriptor));
        }
        WriteAtomic(ManifestLinkPath(repository, manifest.Digest), Encoding.UTF8.GetBytes(manifest.MediaType + "\n" + manifest.Subject?.ToString()));
        if (manifest.Tag is { } tag) WriteAtomic(TagPath(repository, tag), Encoding.UTF8.GetBytes(manifest.Digest.ToString()));
        return ValueTask.CompletedTask;
    }

    public async ValueTask<ManifestLink?> GetManifestLinkAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        string text;
        try { text = await File.ReadAllTextAsync(ManifestLinkPath(repository, digest), cancellationToken); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        var lines = text.Split('\n');
        Digest? subject = lines.Length > 1 && Digest.TryParse(lines[1], out var s) ? s : null;
        return new ManifestLink(digest, lines[0], subject);
    }

    public async ValueTask<StoredManifest?> GetManifestAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        if (await GetManifestLinkAsync(repository, digest, cancellationToken) is not { } link) return null;
        try { return new StoredManifest(digest, link.MediaType, await File.ReadAllBytesAsync(BlobPath(digest), cancellationToken)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    public async ValueTask<bool> DeleteManifestAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        if (await GetManifestLinkAsync(repository, digest, cancellationToken) is not { } link) return false;
        foreach (var tagFile in SafeFiles(Path.Combine(RepositoryPath(repository), "_tags")))
        {
            string value;
            try { value = File.ReadAllText(tagFile); }
            catch (FileNotFoundException) { continue; }
            if (value == digest.ToString()) TryDelete(tagFile);
        }
        if (link.Subject is { } subject) TryDelete(Path.Combine(ReferrersPath(repository, subject), digest.Algorithm + "-" + digest.Encoded + ".json"));
        return TryDelete(ManifestLinkPath(repository, digest));
    }

    public async ValueTask<Digest?> ResolveTagAsync(string repository, string tag, CancellationToken cancellationToken = default)
    {
        try { return Digest.TryParse(await File.ReadAllTextAsync(TagPath(repository, tag), cancellationToken), out var d) ? d : null; }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    public ValueTask<bool> DeleteTagAsync(string repository, string tag, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryDelete(TagPath(repository, tag)));

    public async IAsyncEnumerable<string> ListTagsAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var tags = SafeFiles(Path.Combine(RepositoryPath(repository), "_tags")).Select(Path.GetFileName).OfType<string>().ToList();
        tags.Sort(StringComparer.Ordinal);
        foreach (var tag in tags) yield return tag;
    }

    public async IAsyncEnumerable<ManifestLink> ListManifestsAsync(string repository, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var algDir in SafeDirectories(Path.Combine(RepositoryPath(repository), "_manifests")))
        {
            foreach (var file in SafeFiles(algDir))
            {
                if (!Digest.TryParse(Path.GetFileName(algDir) + ":" + Path.GetFileName(file), out var digest)) continue;
                if (await GetManifestLinkAsync(repository, digest, cancellationToken) is { } link) yield return link;
            }
        }
    }

    public async IAsyncEnumerable<Descriptor> ListReferrersAsync(string repository, Digest subject, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var file in SafeFiles(ReferrersPath(repository, subject)))
        {
            byte[] bytes;
            try { bytes = await File.ReadAllBytesAsync(file, cancellationToken); }
            catch (FileNotFoundException) { continue; }
            if (JsonSerializer.Deserialize(bytes, OciJsonContext.Default.Descriptor) is { } descriptor) yield return descriptor;
        }
    }

    public ValueTask<bool> RepositoryExistsAsync(string repository, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(IsRepositoryDir(RepositoryPath(repository)));

    private static bool IsRepositoryDir(string dir) =>
        Directory.Exists(Path.Combine(dir, "_manifests")) || Directory.Exists(Path.Combine(dir, "_layers")) || Directory.Exists(Path.Combine(dir, "_tags"));

    public async IAsyncEnumerable<string> ListRepositoriesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var names = new List<string>();
        var pending = new Stack<string>();
        pending.Push(_repositories);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var child in SafeDirectories(dir))
            {
                if (Path.GetFileName(child).StartsWith('_')) continue;
                if (IsRepositoryDir(child)) names.Add(Path.GetRelativePath(_repositories, child).Replace(Path.DirectorySeparatorChar, '/'));
                pending.Push(child);
            }
        }
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names) yield return name;
    }

    // ---- helpers

    private void WriteAtomic(string path, ReadOnlySpan<byte> bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        if (!Directory.Exists(_tmp)) Directory.CreateDirectory(_tmp);
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        {
            file.Write(bytes);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (DirectoryNotFoundException) { return false; }
    }

    private static IEnumerable<string> SafeDirectories(string dir)
    {
        try { return Directory.GetDirectories(dir); }
        catch (DirectoryNotFoundException) { return []; }
    }

    private static IEnumerable<string> SafeFiles(string dir)
    {
        try { return Directory.GetFiles(dir); }
        catch (DirectoryNotFoundException) { return []; }
    }
}
