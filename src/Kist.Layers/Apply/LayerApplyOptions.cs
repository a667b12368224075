using Kist.Oci;

namespace Kist.Layers.Apply;

/// <summary>How whiteouts in a layer are realised.</summary>
public enum WhiteoutFormat
{
    /// <summary>The target holds the merged lower layers: whiteouts and opaque directories delete from it.</summary>
    Flatten,
    /// <summary>The target is an (empty) overlayfs upper directory: whiteouts become 0/0 character devices and
    /// opaque directories get <c>trusted.overlay.opaque=y</c>, as docker's overlay2 and containerd do.</summary>
    Overlay,
}

/// <summary>What to do with character and block device entries.</summary>
public enum DeviceNodePolicy { Create, Reject, Skip }

public sealed class LayerApplyOptions
{
    public WhiteoutFormat Whiteouts { get; init; } = WhiteoutFormat.Flatten;
    public DeviceNodePolicy Devices { get; init; } = DeviceNodePolicy.Create;
    /// <summary>Apply the tar's uid/gid (needs root); by default only when running as root.</summary>
    public bool PreserveOwnership { get; init; } = Native.Libc.IsRoot;
    /// <summary>When set, the uncompressed stream must hash to this diff ID or nothing is applied.</summary>
    public Digest? ExpectedDiffId { get; init; }
}

/// <summary>What applying a layer found: its diff ID (sha256 of the uncompressed tar), sizes and entry count.</summary>
public sealed record LayerApplyResult(Digest DiffId, long UncompressedSize, long Entries, Oci.Compression Compression)
{
    /// <summary>The digest of the bytes as given (compressed), computed in the same pass.</summary>
    public Digest Digest { get; init; }
    public long Size { get; init; }
}

/// <summary>A layer that could not be applied; the message names the offending entry.</summary>
public sealed class LayerApplyException(string message, Exception? inner = null) : InvalidInputException(message, inner);
