using Kist.Layers.Native;

namespace Kist.Engine.Containers;

public enum ChangeKind { Modify, Add, Delete }

/// <summary>One line of <c>docker diff</c>: C, A or D and an absolute path.</summary>
public sealed record Change(ChangeKind Kind, string Path)
{
    public override string ToString() => (Kind switch { ChangeKind.Modify => "C", ChangeKind.Add => "A", _ => "D" }) + " " + Path;
}

/// <summary>
/// The changes of a read-write layer as docker's <c>container diff</c> reports them. For an overlay upper dir (moby's
/// overlay changes): 0/0 character devices and opaque directories are deletions, an entry the lower layers have is a
/// modification (a directory only when its size, mode or time differ), anything else an addition, and the parent of
/// an addition or deletion is a modification. For a full copy (moby's ChangesDirs): entries compared with the
/// parent tree. The runtime's own mount points (docker's init layer) are left out.
/// </summary>
public static class ContainerChanges
{
    public static List<Change> List(ReadWriteLayer layer, Func<string, bool>? exclude = null)
    {
        exclude ??= ContainerFilesystem.IsRuntimeMountpoint;
        var changes = new List<Change>();
        if (layer.IsOverlayUpper) Overlay(layer.Directory, layer.Lowers, "", exclude, changes, new HashSet<string>(StringComparer.Ordinal));
        else Copy(layer.Directory, layer.Lowers.Count > 0 ? layer.Lowers[0] : null, "", exclude, changes);
        return changes;
    }

    private static void Overlay(string upper, IReadOnlyList<string> lowers, string rel, Func<string, bool> exclude, List<Change> changes, HashSet<string> changedDirs)
    {
        foreach (var name in Names(Path.Combine(upper, rel)))
        {
            string path = rel.Length == 0 ? name : rel + "/" + name;
            if (exclude(path)) continue;
            var st = FileStat.TryLstat(Libc.AT_FDCWD, Path.Combine(upper, path));
            if (st is not { } f) continue;
            ChangeKind kind;
            bool opaque = f.IsDirectory && IsOpaque(Path.Combine(upper, path));
            if (f.IsOverlayWhiteout || opaque) kind = ChangeKind.Delete;
            else if (LowerStat(lowers, path) is { } old)
            {
                kind = ChangeKind.Modify;
                if (f.IsDirectory && old.IsDirectory && f.Size == old.Size && f.Mode == old.Mode && f.MtimeSec == old.MtimeSec && f.MtimeNsec == old.MtimeNsec)
                {
                    // An unchanged directory that is only there for what is below it.
                    Overlay(upper, lowers, path, exclude, changes, changedDirs);
                    continue;
                }
                if (f.IsDirectory && OnlyExcludedChildren(upper, path, exclude))
                {
                    // Changed only by the runtime's mount points (its time): not a change of the container's.
                    continue;
                }
            }
            else kind = ChangeKind.Add;
            if (f.IsDirectory) changedDirs.Add(path);
            if (kind != ChangeKind.Modify && rel.Length > 0 && changedDirs.Add(rel)) changes.Add(new Change(ChangeKind.Modify, "/" + rel));
            changes.Add(new Change(kind, "/" + path));
            if (f.IsDirectory && !f.IsOverlayWhiteout) Overlay(upper, lowers, path, exclude, changes, changedDirs);
        }
    }

    private static bool OnlyExcludedChildren(string upper, string path, Func<string, bool> exclude) =>
        Names(Path.Combine(upper, path)).All(n => exclude(path + "/" + n)) && Names(Path.Combine(upper, path)).Count > 0;

    /// <summary>The entry in the topmost lower layer that has it (null when none has it or a whiteout hides it).</summary>
    private static FileStat? LowerStat(IReadOnlyList<string> lowers, string path)
    {
        foreach (var lower in lowers)
        {
            // No symlink of a lower layer is followed on the way (the name could lead anywhere).
            string dir = lower;
            var parts = path.Split('/');
            FileStat? st = null;
            bool blocked = false;
            for (int i = 0; i < parts.Length; i++)
            {
                dir = Path.Combine(dir, parts[i]);
                st = FileStat.TryLstat(Libc.AT_FDCWD, dir);
                if (st is null || (i < parts.Length - 1 && !st.Value.IsDirectory)) { blocked = st is not null; st = null; break; }
            }
            if (st is { } found) return found.IsOverlayWhiteout ? null : found;
            if (blocked) return null;
        }
        return null;
    }

    private static void Copy(string dir, string? parent, string rel, Func<string, bool> exclude, List<Change> changes)
    {
        var names = Names(Path.Combine(dir, rel));
        var old = parent is null ? [] : Names(Path.Combine(parent, rel));
        var all = names.Union(old, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var present = names.ToHashSet(StringComparer.Ordinal);
        foreach (var name in all)
        {
            string path = rel.Length == 0 ? name : rel + "/" + name;
            if (exclude(path)) continue;
            if (!present.Contains(name)) { changes.Add(new Change(ChangeKind.Delete, "/" + path)); continue; }
            var f = FileStat.Lstat(Libc.AT_FDCWD, Path.Combine(dir, path));
            var p = parent is null ? null : FileStat.TryLstat(Libc.AT_FDCWD, Path.Combine(parent, path));
            if (p is not { } o || o.Type != f.Type)
            {
                AddAll(dir, path, f, exclude, changes);
                continue;
            }
            if (f.IsDirectory)
            {
                int mark = changes.Count;
                Copy(dir, parent, path, exclude, changes);
                if (f.Mode != o.Mode || f.Uid != o.Uid || f.Gid != o.Gid || changes.Count > mark)
                    changes.Insert(mark, new Change(ChangeKind.Modify, "/" + path));
                continue;
            }
            bool differs = f.Mode != o.Mode || f.Uid != o.Uid || f.Gid != o.Gid || f.RdevMajor != o.RdevMajor || f.RdevMinor != o.RdevMinor
                || f.Size != o.Size || f.MtimeSec != o.MtimeSec || f.MtimeNsec != o.MtimeNsec
                || (f.IsSymlink && Kist.Layers.Apply.RootedTree.ReadLink(Libc.AT_FDCWD, Path.Combine(dir, path)) != Kist.Layers.Apply.RootedTree.ReadLink(Libc.AT_FDCWD, Path.Combine(parent!, path)));
            if (differs) changes.Add(new Change(ChangeKind.Modify, "/" + path));
        }
    }

    private static void AddAll(string dir, string path, FileStat f, Func<string, bool> exclude, List<Change> changes)
    {
        changes.Add(new Change(ChangeKind.Add, "/" + path));
        if (!f.IsDirectory) return;
        foreach (var name in Names(Path.Combine(dir, path)))
        {
            string child = path + "/" + name;
            if (exclude(child)) continue;
            AddAll(dir, child, FileStat.Lstat(Libc.AT_FDCWD, Path.Combine(dir, child)), exclude, changes);
        }
    }

    private static bool IsOpaque(string path) => Kist.Layers.Native.Xattrs.Get(path, "trusted.overlay.opaque") is [(byte)'y'];

    /// <summary>The names in a directory (not following a symlink to it), sorted as Go's filepath.Walk visits them.</summary>
    private static List<string> Names(string directory)
    {
        int fd;
        try { fd = Dirs.OpenRoot(directory); }
        catch (NativeException) { return []; }
        try
        {
            var names = Dirs.List(fd);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
        finally { Libc.Close(fd); }
    }
}
