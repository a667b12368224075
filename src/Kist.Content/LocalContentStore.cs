using System.Runtime.CompilerServices;
using Kist.Oci;

namespace Kist.Content;

/// <summary>The content store of a Kist root: <c>blobs/ALGORITHM/ENCODED</c>, written through <c>ingest/</c>.</summary>
public sealed class LocalContentStore(StoreLayout layout) : IContentStore
{
    public StoreLayout Layout => layout;

    public ValueTask<ContentInfo?> GetInfoAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(layout.BlobPath(digest));
        return ValueTask.FromResult(file.Exists ? new ContentInfo(digest, file.Length, file.LastWriteTimeUtc) : null);
    }

    public bool Exists(Digest digest) => File.Exists(layout.BlobPath(digest));

    public ValueTask<Stream> OpenReadAsync(Descriptor descriptor, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<Stream>(OpenVerified(descriptor));

    private VerifyingReadStream OpenVerified(Descriptor descriptor)
    {
        FileStream file;
        try
        {
            file = new FileStream(layout.BlobPath(descriptor.Digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException($"blob {descriptor.Digest} not found in the store");
        }
        return new VerifyingReadStream(file, descriptor.Digest, descriptor.Size, $"blob {descriptor.Digest}");
    }

    /// <summary>
    /// Reads a small blob (a manifest, index or config) whole, verified. Synchronously: for a few kilobytes the
    /// thread-pool hops of async file reads cost more than the read (they were milliseconds of every `kist run`).
    /// A sha256 blob is verified with <see cref="Digest.Compute"/>, which spares a container start loading OpenSSL.
    /// </summary>
    public ValueTask<byte[]> ReadAllAsync(Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        if (descriptor.Size > OciDocuments.MaxManifestBytes * 4)
        {
            throw new InvalidInputException($"blob {descriptor.Digest} is too large to read whole ({descriptor.Size} bytes)");
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (descriptor.Digest.Algorithm != Digest.Sha256)
        {
            using var stream = OpenVerified(descriptor);
            var buffer = new MemoryStream((int)descriptor.Size);
            stream.CopyTo(buffer);
            return ValueTask.FromResult(buffer.ToArray());
        }
        byte[] bytes = ReadAtMost(descriptor.Digest, descriptor.Size + 1);
        VerifyingReadStream.Verify($"blob {descriptor.Digest}", descriptor.Digest, descriptor.Size, bytes.Length, () => Digest.Compute(bytes));
        return ValueTask.FromResult(bytes);
    }

    private byte[] ReadAtMost(Digest digest, long limit)
    {
        try
        {
            using var file = new FileStream(layout.BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var buffer = new byte[limit];
            int length = 0, n;
            while (length < buffer.Length && (n = file.Read(buffer, length, buffer.Length - length)) > 0) length += n;
            return buffer[..length];
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException($"blob {digest} not found in the store");
        }
    }

    /// <summary>Reads a small blob by digest alone (its size taken from the file), verified.</summary>
    public ValueTask<byte[]> ReadAllAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(layout.BlobPath(digest));
        if (!file.Exists) throw new NotFoundException($"blob {digest} not found in the store");
        return ReadAllAsync(new Descriptor { MediaType = "application/octet-stream", Digest = digest, Size = file.Length }, cancellationToken);
    }

    public ValueTask<IContentWriter> OpenWriterAsync(Descriptor? expected = null, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IContentWriter>(new LocalContentWriter(layout, expected));

    /// <summary>Stores a small document whole (a manifest or config) and returns its descriptor.</summary>
    public async ValueTask<Descriptor> PutAsync(ReadOnlyMemory<byte> bytes, string mediaType, CancellationToken cancellationToken = default)
    {
        await using var writer = new LocalContentWriter(layout, null);
        await writer.Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        return await writer.CommitAsync(mediaType, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<ContentInfo> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(layout.BlobsDirectory)) yield break;
        foreach (var algorithmDir in new DirectoryInfo(layout.BlobsDirectory).EnumerateDirectories())
        {
            foreach (var file in algorithmDir.EnumerateFiles())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Digest.TryParse(algorithmDir.Name + ":" + file.Name, out var digest))
                {
                    yield return new ContentInfo(digest, file.Length, file.LastWriteTimeUtc);
                }
            }
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Blob files whose names are not valid digests (foreign files in the layout).</summary>
    public IEnumerable<string> ListForeignFiles()
    {
        if (!Directory.Exists(layout.BlobsDirectory)) yield break;
        foreach (var algorithmDir in new DirectoryInfo(layout.BlobsDirectory).EnumerateDirectories())
        {
            foreach (var file in algorithmDir.EnumerateFiles())
            {
                if (!Digest.TryParse(algorithmDir.Name + ":" + file.Name, out _)) yield return file.FullName;
            }
        }
    }

    public ValueTask<bool> DeleteAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        string path = layout.BlobPath(digest);
        if (!File.Exists(path)) return ValueTask.FromResult(false);
        File.Delete(path);
        return ValueTask.FromResult(true);
    }
}
