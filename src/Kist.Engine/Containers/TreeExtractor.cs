using System.Text;
using Kist.Layers.Apply;
using Kist.Layers.Native;
using Kist.Layers.Tar;
using Kist.Oci;

namespace Kist.Engine.Containers;

/// <summary>
/// Writes tar entries below a directory of a rooted tree (a container's rootfs, or a local destination): every name
/// is resolved inside the root, so neither ".." nor a symlink of the tree or of the archive leads out of it. Unlike
/// a layer, names starting with ".wh." are ordinary files here.
/// </summary>
internal sealed class TreeExtractor(RootedTree tree, IReadOnlyList<string> baseComponents, long? uid, long? gid)
{
    private readonly byte[] _buffer = new byte[1 << 16];

    public void Extract(TarStreamReader reader, CancellationToken cancellationToken)
    {
        while (reader.Next() is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var comps = baseComponents.Concat(RootedTree.Clean(entry.Name)).ToList();
            if (comps.Count == baseComponents.Count) continue; // "./" itself: the destination exists already
            var (parent, _) = tree.ResolveDir(comps, comps.Count - 1, create: true);
            string name = comps[^1];
            long owner = uid ?? entry.Uid, group = gid ?? entry.Gid;
            if (entry.Kind == TarEntryKind.Directory)
            {
                if (FileStat.TryLstat(parent, name) is { IsDirectory: false } old) parent = Remove(comps, parent, name, old);
                if (Libc.MkdirAt(parent, name, 0x1C0) != 0 && Libc.Errno != Libc.EEXIST) throw new NativeException("mkdir", entry.Name, Libc.Errno);
                int dfd = Dirs.OpenDirNoFollow(parent, name);
                try
                {
                    if (Libc.IsRoot) Libc.Fchown(dfd, (int)owner, (int)group);
                    Libc.Fchmod(dfd, entry.Mode & 0xFFF);
                }
                finally { Libc.Close(dfd); }
                continue;
            }
            if (FileStat.TryLstat(parent, name) is { } existing)
            {
                if (existing.IsDirectory) throw new InvalidInputException($"cannot overwrite directory \"{string.Join('/', comps)}\" with non-directory");
                parent = Remove(comps, parent, name, existing);
            }
            switch (entry.Kind)
            {
                case TarEntryKind.Regular: WriteFile(reader, parent, name, entry, owner, group); break;
                case TarEntryKind.Symlink: Symlink(parent, name, entry.LinkName, owner, group); break;
                case TarEntryKind.Hardlink:
                    var target = baseComponents.Concat(RootedTree.Clean(entry.LinkName)).ToList();
                    if (target.Count == baseComponents.Count) throw new InvalidInputException($"invalid hardlink {entry.Name}");
                    var (tdir, _) = tree.ResolveDir(target, target.Count - 1, create: false);
                    if (Libc.LinkAt(tdir, target[^1], parent, name, 0) != 0) throw new NativeException("link", entry.Name, Libc.Errno);
                    break;
                case TarEntryKind.CharDevice or TarEntryKind.BlockDevice or TarEntryKind.Fifo:
                    uint type = entry.Kind switch { TarEntryKind.CharDevice => Libc.S_IFCHR, TarEntryKind.BlockDevice => Libc.S_IFBLK, _ => Libc.S_IFIFO };
                    if (Libc.MknodAt(parent, name, type | (entry.Mode & 0xFFF), Libc.MakeDev(entry.DevMajor, entry.DevMinor)) != 0)
                        throw new NativeException("mknod", entry.Name, Libc.Errno);
                    if (Libc.IsRoot) Libc.FchownAt(parent, name, (int)owner, (int)group, Libc.AT_SYMLINK_NOFOLLOW);
                    break;
            }
        }
    }

    /// <summary>Removes what an entry replaces; returns the parent's descriptor again (a removed symlink drops the tree's cache).</summary>
    private int Remove(List<string> comps, int parent, string name, FileStat existing)
    {
        Dirs.RemoveAll(parent, name);
        if (!existing.IsSymlink && !existing.IsDirectory) return parent;
        tree.Invalidate();
        return tree.ResolveDir(comps, comps.Count - 1, create: true).Fd;
    }

    private unsafe void WriteFile(TarStreamReader reader, int parent, string name, TarEntry entry, long owner, long group)
    {
        int fd = Libc.OpenAt(parent, name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x180);
        if (fd < 0) throw new NativeException("create", entry.Name, Libc.Errno);
        try
        {
            while (true)
            {
                int n = reader.Read(_buffer);
                if (n <= 0) break;
                fixed (byte* p = _buffer)
                {
                    int done = 0;
                    while (done < n)
                    {
                        nint w = Libc.Write(fd, p + done, n - done);
                        if (w < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("write", entry.Name, Libc.Errno); }
                        done += (int)w;
                    }
                }
            }
            if (Libc.IsRoot) Libc.Fchown(fd, (int)owner, (int)group);
            Libc.Fchmod(fd, entry.Mode & 0xFFF);
            var times = stackalloc Libc.Timespec[2];
            times[0] = new Libc.Timespec { Sec = entry.MtimeSeconds, Nsec = entry.MtimeNanoseconds };
            times[1] = times[0];
            Libc.Futimens(fd, times);
        }
        finally { Libc.Close(fd); }
    }

    private static unsafe void Symlink(int parent, string name, string target, long owner, long group)
    {
        var bytes = Encoding.UTF8.GetBytes(target + "\0");
        fixed (byte* p = bytes)
        {
            if (Libc.SymlinkAt(p, parent, name) != 0) throw new NativeException("symlink", name, Libc.Errno);
        }
        if (Libc.IsRoot) Libc.FchownAt(parent, name, (int)owner, (int)group, Libc.AT_SYMLINK_NOFOLLOW);
    }
}
