namespace Kist.Oci;

/// <summary>The media types of OCI image-spec v1.1 and Docker's image manifest v2 schema 2.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayerNonDistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string OciLayerNonDistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciLayerNonDistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayerForeignGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public const string DockerManifestV1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerManifestV1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsSchema1(string? mediaType) => mediaType is DockerManifestV1 or DockerManifestV1Signed;

    public static bool IsImageConfig(string? mediaType) => mediaType is OciConfig or DockerConfig;

    public static bool IsLayer(string? mediaType) => LayerCompression(mediaType) is not null;

    /// <summary>The compression a layer media type declares, or null when it is not a layer type.</summary>
    public static Compression? LayerCompression(string? mediaType) => mediaType switch
    {
        OciLayer or DockerLayer or OciLayerNonDistributable => Compression.None,
        OciLayerGzip or DockerLayerGzip or DockerLayerForeignGzip or OciLayerNonDistributableGzip => Compression.Gzip,
        OciLayerZstd or OciLayerNonDistributableZstd => Compression.Zstd,
        _ => null,
    };

    /// <summary>The Docker v2 layer media type for a compression (Docker has none for zstd: the OCI one).</summary>
    public static string DockerLayerFor(Compression compression) => compression switch
    {
        Compression.Gzip => DockerLayerGzip,
        Compression.Zstd => OciLayerZstd,
        _ => DockerLayer,
    };

    /// <summary>The OCI layer media type for a compression.</summary>
    public static string OciLayerFor(Compression compression) => compression switch
    {
        Compression.Gzip => OciLayerGzip,
        Compression.Zstd => OciLayerZstd,
        _ => OciLayer,
    };
}

public enum Compression
{
    None,
    Gzip,
    Zstd,
}
