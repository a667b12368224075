namespace Kist.Content.Archives;

public enum ArchiveFormat
{
    /// <summary><c>docker save</c>'s format: manifest.json with configs and layers (also an OCI layout, as docker 25 writes it).</summary>
    DockerArchive,
    /// <summary>An OCI image layout in a tar: oci-layout, index.json, blobs/.</summary>
    OciArchive,
}

/// <summary>Detects the compression of a stream and returns it with its decompressed content (see Kist.Layers).</summary>
public delegate ValueTask<(Oci.Compression Compression, Stream Decompressed)> OpenDecompressed(Stream input, CancellationToken cancellationToken);

/// <summary>An image written to or read from an archive, with the names it carries there.</summary>
public sealed record ArchiveImage(Oci.Digest Id, Oci.Descriptor Target, IReadOnlyList<Oci.ImageReference> Names);
