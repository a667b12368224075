using Kist.Oci;

namespace Kist.Content;

/// <summary>
/// Writes a blob of known digest to <c>ingest/partial-ALGORITHM-ENCODED</c> and keeps that file when
/// abandoned, so that an interrupted download resumes where it stopped. The bytes already there are
/// hashed again on open: the commit is verified over the whole blob as with any writer. One process
/// at a time writes a partial file (flock on it); others get no writer and use a private one.
/// </summary>
public sealed class ResumableContentWriter : FileContentWriter
{
    public const string Prefix = "partial-";
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    private ResumableContentWriter(StoreLayout layout, Descriptor expected, string path, FileStream file, DigestingWriteStream stream)
        : base(layout, expected, path, file, stream)
    {
    }

    /// <summary>Bytes already present from an earlier attempt: the download continues from here.</summary>
    public long Offset { get; private init; }

    /// <summary>A bad partial file must not be resumed: the next attempt starts from nothing.</summary>
    private protected override bool DeleteWhenAbandoned => Mismatched;

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
}
