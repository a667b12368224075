using Kist.Oci;

namespace Kist.Registry.Manifests;

/// <summary>A manifest or index exactly as the registry sent it, with its media type and digest.</summary>
public sealed record ManifestResponse(byte[] Bytes, string MediaType, Digest Digest)
{
    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    public Descriptor Descriptor => new() { MediaType = MediaType, Digest = Digest, Size = Bytes.Length };
}
