using Kist.Oci;

namespace Kist.Content;

/// <summary>An image in the store: the descriptor names point at, and the manifest and config it resolves to.</summary>
public sealed record LocalImage(
    Descriptor Target,
    Parsed<ImageIndex>? Index,
    Descriptor ManifestDescriptor,
    Parsed<ImageManifest> Manifest,
    Parsed<ImageConfig> Config)
{
    /// <summary>The image ID: the config's digest, as docker defines it.</summary>
    public Digest Id => Manifest.Value.Config.Digest;

    public ImageConfig ConfigValue => Config.Value;

    /// <summary>The bytes of the layers as stored.</summary>
    public long Size => Manifest.Value.Layers.Sum(l => l.Size);
}
