using Kist.Content;
using Kist.Oci;

namespace Kist.Engine.Images;

/// <summary>An image with every name that points at it.</summary>
public sealed record NamedImage(LocalImage Image, IReadOnlyList<ImageReference> References)
{
    /// <summary>The manifests (or indexes) that resolve to this image ID: usually one.</summary>
    public IReadOnlyList<Digest> Targets { get; init; } = [Image.Target.Digest];

    public Digest Id => Image.Id;
    public IEnumerable<ImageReference> Tags => References.Where(r => r.Tag is not null);
    public IEnumerable<ImageReference> DigestReferences => References.Where(r => r.Digest is not null);
    public bool IsDangling => References.Count == 0;
}

/// <summary>One row of <c>kist images</c>: a tag, or a digest-only name, or a dangling image.</summary>
public sealed record ImageRow(string Repository, string Tag, string Digest, NamedImage Image);

public sealed record ImportOptions(string? Reference, IReadOnlyList<string> Changes, string? Message, Platform? Platform, string Source);

/// <summary>What <c>rmi</c> did for one argument: untagged names and deleted image IDs, in order.</summary>
public sealed record RemoveResult(IReadOnlyList<string> Untagged, IReadOnlyList<Digest> Deleted);

public sealed record PruneResult(IReadOnlyList<Digest> DeletedImages, long ReclaimedBytes);

public sealed record HistoryRow(string Id, DateTimeOffset? Created, string CreatedBy, long Size, string Comment);
