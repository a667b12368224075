using Kist.Oci;

namespace Kist.Content;

/// <summary>Writes a blob to a private file under <c>ingest/</c>, hashing as it goes; commit renames it into place.</summary>
internal sealed class LocalContentWriter : IContentWriter
{
    private readonly StoreLayout _layout;
    private readonly Descriptor? _expected;
    private readonly string _tempPath;
    private readonly FileStream _file;
    private readonly DigestingWriteStream _stream;
    private Descriptor? _sealed;
    private bool _committed;

    public LocalContentWriter(StoreLayout layout, Descriptor? expected)
    {
        _layout = layout;
        _expected = expected;
        _tempPath = Path.Combine(layout.IngestDirectory, Guid.NewGuid().ToString("N"));
        _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        _stream = new DigestingWriteStream(_file, expected?.Digest.Algorithm ?? Digest.Sha256, leaveOpen: true);
    }

    public Stream Stream => _stream;

    public async ValueTask<Descriptor> SealAsync(string mediaType, CancellationToken cancellationToken = default)
    {
        if (_sealed is not null) return _sealed with { MediaType = mediaType };
        // No fsync per blob (docker and podman do none for layers either; it doubled load times): a blob
        // torn by a power loss is still never used unnoticed, because every read verifies its digest
        // and `kist system check` re-hashes them all. The index that names blobs is fsynced.
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        var digest = _stream.GetDigest();
        long size = _stream.BytesWritten;
        if (_expected is not null)
        {
            if (size != _expected.Size)
            {
                throw new DigestMismatchException($"blob {_expected.Digest}: got {size} bytes, expected {_expected.Size}");
            }
            if (digest != _expected.Digest)
            {
                throw new DigestMismatchException($"blob {_expected.Digest}: the content does not match its digest (it hashes to {digest})");
            }
        }
        _sealed = new Descriptor { MediaType = mediaType, Digest = digest, Size = size };
        return _sealed;
    }

    public async ValueTask<Descriptor> CommitAsync(string mediaType, CancellationToken cancellationToken = default)
    {
        var descriptor = await SealAsync(mediaType, cancellationToken).ConfigureAwait(false);
        if (_committed) return descriptor;
        string target = _layout.BlobPath(descriptor.Digest);
        if (File.Exists(target))
        {
            File.Delete(_tempPath);
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Same content under the same name: a concurrent writer of the same blob is harmless.
            File.Move(_tempPath, target, overwrite: true);
        }
        _committed = true;
        return descriptor;
    }

    public Stream OpenSealed()
    {
        if (_sealed is null || _committed) throw new InvalidOperationException("the blob is not sealed, or already committed");
        return new FileStream(_tempPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        if (!_committed)
        {
            try { File.Delete(_tempPath); } catch (IOException) { }
        }
    }
}
