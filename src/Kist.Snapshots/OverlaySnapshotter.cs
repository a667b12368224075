namespace Kist.Snapshots;

/// <summary>
/// The default snapshotter: each snapshot is an overlayfs upper directory; committed parents become lowerdirs.
/// Layers are applied straight into the upper directory with overlay whiteouts, as docker's overlay2 does.
/// </summary>
public sealed class OverlaySnapshotter(string root) : SnapshotterBase(root)
{
    public override string Name => "overlay";

    protected override void Create(string dir, SnapshotKind kind, IReadOnlyList<string> parents)
    {
        Directory.CreateDirectory(Fs(dir));
        if (kind == SnapshotKind.Active && parents.Count > 0) Directory.CreateDirectory(Path.Combine(dir, "work"));
    }

    protected override IReadOnlyList<Mount> Mounts(string dir, SnapshotKind kind, IReadOnlyList<string> parents)
    {
        if (parents.Count == 0)
            return [new Mount("bind", Fs(dir), ["rbind", kind == SnapshotKind.View ? "ro" : "rw"])];
        if (kind == SnapshotKind.View && parents.Count == 1)
            return [new Mount("bind", Fs(parents[0]), ["rbind", "ro"])];
        var options = new List<string> { "index=off" };
        if (kind == SnapshotKind.Active)
        {
            options.Add("workdir=" + Path.Combine(dir, "work"));
            options.Add("upperdir=" + Fs(dir));
        }
        else options.Add("ro");
        options.Add("lowerdir=" + string.Join(':', parents.Select(Fs)));
        return [new Mount("overlay", "overlay", options)];
    }
}
