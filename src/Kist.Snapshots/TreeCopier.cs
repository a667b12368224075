using System.Text;
using Kist.Layers.Apply;
using Kist.Layers.Native;

namespace Kist.Snapshots;

/// <summary>Copies a tree with everything a layer can hold: types, owners, modes, xattrs, times and hardlinks.</summary>
public static unsafe class TreeCopier
{
    public static void CopyContents(string source, string destination)
    {
        int s = Dirs.OpenRoot(source), d = Dirs.OpenRoot(destination);
        try
        {
            var hardlinks = new Dictionary<(ulong, ulong), string>();
            Copy(s, d, "", Path.GetFullPath(destination), hardlinks);
            var st = FileStat.Fstat(s);
            Meta(d, "", st, $"/proc/self/fd/{s}/.");
        }
        finally { Libc.Close(s); Libc.Close(d); }
    }

    private static void Copy(int sfd, int dfd, string rel, string destRoot, Dictionary<(ulong, ulong), string> hardlinks)
    {
        foreach (var name in Dirs.List(sfd))
        {
            var st = FileStat.Lstat(sfd, name);
            string path = rel.Length == 0 ? name : rel + "/" + name;
            string src = $"/proc/self/fd/{sfd}/{name}";
            if (!st.IsDirectory && st.Nlink > 1)
            {
                if (hardlinks.TryGetValue(st.Identity, out var first))
                {
                    if (Libc.LinkAt(Libc.AT_FDCWD, first, dfd, name, 0) != 0) throw new NativeException("link", path, Libc.Errno);
                    continue;
                }
                hardlinks[st.Identity] = Path.Combine(destRoot, path);
            }
            switch (st.Type)
            {
                case Libc.S_IFDIR:
                    if (Libc.MkdirAt(dfd, name, 0x1C0) != 0) throw new NativeException("mkdir", path, Libc.Errno);
                    int cs = Dirs.OpenDirNoFollow(sfd, name), cd = Dirs.OpenDirNoFollow(dfd, name);
                    try
                    {
                        Copy(cs, cd, path, destRoot, hardlinks);
                        Meta(cd, "", st, src);
                    }
                    finally { Libc.Close(cs); Libc.Close(cd); }
                    continue;
                case Libc.S_IFREG:
                    CopyFile(sfd, dfd, name, path, st);
                    break;
                case Libc.S_IFLNK:
                    var target = Encoding.UTF8.GetBytes(RootedTree.ReadLink(sfd, name) + "\0");
                    fixed (byte* t = target)
                        if (Libc.SymlinkAt(t, dfd, name) != 0) throw new NativeException("symlink", path, Libc.Errno);
                    break;
                default:
                    if (Libc.MknodAt(dfd, name, st.Mode, Libc.MakeDev(st.RdevMajor, st.RdevMinor)) != 0)
                        throw new NativeException("mknod", path, Libc.Errno);
                    break;
            }
            Meta(dfd, name, st, src);
        }
    }

    private static void CopyFile(int sfd, int dfd, string name, string path, FileStat st)
    {
        int i = Libc.OpenAt(sfd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (i < 0) throw new NativeException("open", path, Libc.Errno);
        int o = Libc.OpenAt(dfd, name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x180);
        if (o < 0) { int e = Libc.Errno; Libc.Close(i); throw new NativeException("create", path, e); }
        try { new FileCopy().Copy(i, o, st.Size, path); }
        finally { Libc.Close(i); Libc.Close(o); }
    }

    private static void Meta(int dirfd, string name, FileStat st, string sourcePath)
    {
        int flags = name.Length == 0 ? Libc.AT_EMPTY_PATH : Libc.AT_SYMLINK_NOFOLLOW;
        if (Libc.IsRoot && Libc.FchownAt(dirfd, name, (int)st.Uid, (int)st.Gid, flags) != 0)
            throw new NativeException("chown", name, Libc.Errno);
        string dst = name.Length == 0 ? $"/proc/self/fd/{dirfd}/." : $"/proc/self/fd/{dirfd}/{name}";
        foreach (var (k, v) in Xattrs.List(sourcePath))
            fixed (byte* p = v) Libc.Lsetxattr(dst, k, p, v.Length, 0);
        if (!st.IsSymlink && Libc.FchmodAt(dirfd, name.Length == 0 ? "." : name, st.Permissions, 0) != 0)
            throw new NativeException("chmod", name, Libc.Errno);
        var ts = stackalloc Libc.Timespec[2];
        ts[0] = ts[1] = new Libc.Timespec { Sec = st.MtimeSec, Nsec = st.MtimeNsec };
        int rc = name.Length == 0 ? Libc.Futimens(dirfd, ts) : Libc.UtimensAt(dirfd, name, ts, Libc.AT_SYMLINK_NOFOLLOW);
        if (rc != 0) throw new NativeException("utimes", name, Libc.Errno);
    }
}
