using Kist.Oci;

namespace Kist.Registry.Manifests;

/// <summary>Which document a registry answered with, from its Content-Type and its body, and whether Kist takes it.</summary>
internal static class ManifestMediaType
{
    public static readonly string[] Accepted =
    [
        MediaTypes.OciIndex, MediaTypes.OciManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest,
        MediaTypes.DockerManifestV1Signed, MediaTypes.DockerManifestV1,
    ];

    public static string Resolve(string? contentType, byte[] bytes, string what)
    {
        string? declared = OciDocuments.DetectMediaType(bytes);
        if (MediaTypes.IsSchema1(contentType) || MediaTypes.IsSchema1(declared))
        {
            throw new RegistryException($"{what} is a Docker image manifest v2 schema 1, which is not supported: push the image again with a current docker or kist to convert it to schema 2");
        }
        if (declared is null && !LooksLikeJsonObject(bytes))
        {
            throw new InvalidInputException($"{what}: the registry sent a malformed manifest (not a JSON document{(contentType is null ? "" : $"; Content-Type {contentType}")})");
        }
        bool headerKnown = MediaTypes.IsIndex(contentType) || MediaTypes.IsManifest(contentType);
        if (headerKnown && declared is not null && declared != contentType && (MediaTypes.IsIndex(declared) || MediaTypes.IsManifest(declared)))
        {
            throw new InvalidInputException($"{what}: the registry sent Content-Type {contentType}, but the document declares {declared}");
        }
        string? mediaType = headerKnown ? contentType : declared;
        if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
        {
            throw new InvalidInputException($"{what}: unsupported manifest type {mediaType ?? contentType ?? "(none)"}");
        }
        return mediaType!;
    }

    private static bool LooksLikeJsonObject(byte[] bytes)
    {
        foreach (byte b in bytes)
        {
            if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') continue;
            return b == (byte)'{';
        }
        return false;
    }
}
