using Kist.Oci;

namespace Kist.Content;

/// <summary>
/// What every file-backed writer of the store shares: a digesting stream over a file under <c>ingest/</c>, sealed
/// (flushed and checked against the expected descriptor), then committed by a rename into <c>blobs/</c>.
/// </summary>
public abstract class FileContentWriter : IContentWriter
{
    private readonly StoreLayout _layout;
    private readonly Descriptor? _expected;
    private readonly FileStream _file;
    private readonly DigestingWriteStream _stream;
    private Descriptor? _sealed;

    private protected FileContentWriter(StoreLayout layout, Descriptor? expected, string path, FileStream file, DigestingWriteStream stream)
    {
        _layout = layout;
        _expected = expected;
        FilePath = path;
        _file = file;
        _stream = stream;
    }

    public Stream Stream => _stream;

    public Digest WrittenDigest => _stream.GetDigest();

    /// <summary>The file under <c>ingest/</c> until the commit renames it.</summary>
    private protected string FilePath { get; }

    private protected bool Committed { get; private set; }

    /// <summary>Whether the sealed bytes did not match the expected digest or size.</summary>
    private protected bool Mismatched { get; private set; }

    /// <summary>Whether an abandoned (uncommitted) file is deleted on dispose.</summary>
    private protected abstract bool DeleteWhenAbandoned { get; }

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
        if (_expected is not null && (size != _expected.Size || digest != _expected.Digest))
        {
            Mismatched = true;
            throw new DigestMismatchException(size != _expected.Size
                ? $"blob {_expected.Digest}: got {size} bytes, expected {_expected.Size}"
                : $"blob {_expected.Digest}: the content does not match its digest (it hashes to {digest})");
        }
        _sealed = new Descriptor { MediaType = mediaType, Digest = digest, Size = size };
        return _sealed;
    }

    public async ValueTask<Descriptor> CommitAsync(string mediaType, CancellationToken cancellationToken = default)
    {
        var descriptor = await SealAsync(mediaType, cancellationToken).ConfigureAwait(false);
        if (Committed) return descriptor;
        string target = _layout.BlobPath(descriptor.Digest);
        if (File.Exists(target))
        {
            File.Delete(FilePath);
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Same content under the same name: a concurrent writer of the same blob is harmless.
            File.Move(FilePath, target, overwrite: true);
        }
        Committed = true;
        return descriptor;
    }

    public Stream OpenSealed()
    {
        if (_sealed is null || Committed) throw new InvalidOperationException("the blob is not sealed, or already committed");
        return new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        if (!Committed && DeleteWhenAbandoned)
        {
            try { File.Delete(FilePath); } catch (IOException) { }
        }
        GC.SuppressFinalize(this);
    }
}
