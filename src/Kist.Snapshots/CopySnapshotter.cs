namespace Kist.Snapshots;

/// <summary>
/// The fallback snapshotter for where overlayfs is not available: an active snapshot is a full copy of its parent
/// (hardlinks, xattrs, devices and times preserved); views are read-only binds of the parent.
/// </summary>
public sealed class CopySnapshotter(string root) : SnapshotterBase(root)
{
    public override string Name => "copy";

    protected override void Create(string dir, SnapshotKind kind, IReadOnlyList<string> parents)
    {
        Directory.CreateDirectory(Fs(dir));
        if (kind == SnapshotKind.Active && parents.Count > 0) TreeCopier.CopyContents(Fs(parents[0]), Fs(dir));
    }

    protected override IReadOnlyList<Mount> Mounts(string dir, SnapshotKind kind, IReadOnlyList<string> parents) =>
        kind == SnapshotKind.View
            ? [new Mount("bind", Fs(parents.Count > 0 ? parents[0] : dir), ["rbind", "ro"])]
            : [new Mount("bind", Fs(dir), ["rbind", "rw"])];
}
