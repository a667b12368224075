using Kist.Oci;

namespace Kist.Content;

/// <summary>
/// Writes a blob of known digest to <c>ingest/partial-ALGORITHM-ENCODED</c> and keeps that file when
/// abandoned, so that an interrupted download resumes where it stopped. The bytes already there are
/// hashed again on open: the commit is verified over the whole blob as with any writer. One process
/// at a time writes a partial file (flock on it); others get no writer and use a private one.
/// </summary>
public sealed class ResumableContentWriter : IContentWriter
{
    public const string Prefix = "partial-";
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    private readonly StoreLayout _layout;
    private readonly Descriptor _expected;
    private readonly string _path;
    private readonly FileStream _file;
    private readonly DigestingWriteStream _stream;
    private Descriptor? _sealed;
    private bool _committed, _bad;

    private ResumableContentWriter(StoreLayout layout, Descriptor expected, string path, FileStream file, DigestingWriteStream stream)
    {
        _layout = layout;
        _expected = expected;
        _path = path;
        _file = file;
        _stream = stream;
    }

    /// <summary>Bytes already present from an earlier attempt: the download continues from here.</summary>
    public long Offset { get; private set; }

    public Stream Stream => _stream;

    /// <summary>The writer, or null when another process is writing the same blob right now.</summary>
    public static async ValueTask<ResumableContentWriter?> TryOpenAsync(StoreLayout layout, Descriptor expected, CancellationToken cancellationToken = default)
    {
        string path = Path.Combine(layout.IngestDirectory, $"{Prefix}{expected.Digest.Algorithm}-{expected.Digest.Encoded}");
        FileStream? file;
        try
        {
            // FileShare.None takes flock(LOCK_EX|LOCK_NB): a second writer, here or in another process, is refused.
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        }
        catch (IOException)
        {
            return null;
        }
        try
        {
            if (file.Length > expected.Size) file.SetLength(0);
            var stream = new DigestingWriteStream(file, expected.Digest.Algorithm, leaveOpen: true);
            var buffer = new byte[1 << 20];
            int n;
            while ((n = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) stream.Prime(buffer.AsSpan(0, n));
            var writer = new ResumableContentWriter(layout, expected, path, file, stream) { Offset = stream.BytesWritten };
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return writer;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public async ValueTask<Descriptor> SealAsync(string mediaType, CancellationToken cancellationToken = default)
    {
        if (_sealed is not null) return _sealed with { MediaType = mediaType };
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        var digest = _stream.GetDigest();
        long size = _stream.BytesWritten;
        if (size != _expected.Size || digest != _expected.Digest)
        {
            // A bad partial file must not be resumed: the next attempt starts from nothing.
            _bad = true;
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
        if (_committed) return descriptor;
        string target = _layout.BlobPath(descriptor.Digest);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(_path, target, overwrite: true);
        _committed = true;
        return descriptor;
    }

    public Stream OpenSealed()
    {
        if (_sealed is null || _committed) throw new InvalidOperationException("the blob is not sealed, or already committed");
        return new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        if (_bad && !_committed)
        {
            try { File.Delete(_path); } catch (IOException) { }
        }
    }
}
