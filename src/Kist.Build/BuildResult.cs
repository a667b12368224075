using Kist.Oci;

namespace Kist.Build;

/// <summary>The built image: its ID (config digest), manifest and the bytes of both as stored.</summary>
public sealed record BuildResult(Digest ImageId, Descriptor Manifest, ImageConfig Config, IReadOnlyList<Descriptor> Layers);
