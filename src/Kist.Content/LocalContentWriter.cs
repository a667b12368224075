using Kist.Oci;

namespace Kist.Content;

/// <summary>Writes a blob to a private file under <c>ingest/</c>, hashing as it goes; commit renames it into place.</summary>
internal sealed class LocalContentWriter : FileContentWriter
{
    public LocalContentWriter(StoreLayout layout, Descriptor? expected)
        : this(layout, expected, Path.Combine(layout.IngestDirectory, Guid.NewGuid().ToString("N")))
    {
    }

    private LocalContentWriter(StoreLayout layout, Descriptor? expected, string path)
        : this(layout, expected, path, new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous))
    {
    }

    private LocalContentWriter(StoreLayout layout, Descriptor? expected, string path, FileStream file)
        : base(layout, expected, path, file, new DigestingWriteStream(file, expected?.Digest.Algorithm ?? Digest.Sha256, leaveOpen: true))
    {
    }

    private protected override bool DeleteWhenAbandoned => true;
}
