using System.Runtime.InteropServices;

namespace Kist.Layers.Native;

/// <summary>Directory operations on descriptors: listing, recursive removal, opening without following symlinks.</summary>
public static unsafe class Dirs
{
    /// <summary>Opens a directory below <paramref name="dirfd"/>; fails (ELOOP/ENOTDIR) if it is a symlink or not a directory.</summary>
    public static int OpenDirNoFollow(int dirfd, string name)
    {
        int fd = Libc.OpenAt(dirfd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new NativeException("open", name, Libc.Errno);
        return fd;
    }

    public static int OpenRoot(string path)
    {
        int fd = Libc.OpenAt(Libc.AT_FDCWD, path, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new NativeException("open", path, Libc.Errno);
        return fd;
    }

    /// <summary>The names in a directory (without . and ..), in readdir order.</summary>
    public static List<string> List(int dirfd)
    {
        var names = new List<string>();
        int dup = Libc.Dup(dirfd);
        if (dup < 0) throw new NativeException("dup", "directory", Libc.Errno);
        nint dir = Libc.Fdopendir(dup);
        if (dir == 0) { int e = Libc.Errno; Libc.Close(dup); throw new NativeException("opendir", "directory", e); }
        try
        {
            // Rewind: the duplicated descriptor shares its offset with dirfd.
            Libc.Rewinddir(dir);
            while (true)
            {
                byte* ent = Libc.Readdir(dir);
                if (ent == null) break;
                var name = Marshal.PtrToStringUTF8((nint)(ent + 19))!;
                if (name is "." or "..") continue;
                names.Add(name);
            }
        }
        finally { Libc.Closedir(dir); }
        return names;
    }

    public static bool IsEmpty(int dirfd) => List(dirfd).Count == 0;

    /// <summary>Removes <paramref name="name"/> below <paramref name="dirfd"/> and everything under it, never following symlinks.</summary>
    public static void RemoveAll(int dirfd, string name)
    {
        var st = FileStat.TryLstat(dirfd, name);
        if (st is null) return;
        if (st.Value.IsDirectory)
        {
            int fd = OpenDirNoFollow(dirfd, name);
            try { RemoveChildren(fd); }
            finally { Libc.Close(fd); }
            if (Libc.UnlinkAt(dirfd, name, Libc.AT_REMOVEDIR) != 0 && Libc.Errno != Libc.ENOENT)
                throw new NativeException("rmdir", name, Libc.Errno);
        }
        else if (Libc.UnlinkAt(dirfd, name, 0) != 0 && Libc.Errno != Libc.ENOENT)
            throw new NativeException("unlink", name, Libc.Errno);
    }

    public static void RemoveChildren(int dirfd)
    {
        foreach (var child in List(dirfd)) RemoveAll(dirfd, child);
    }

    /// <summary>Removes a directory tree by path (the path itself is trusted; nothing below it is followed).</summary>
    public static void RemoveTree(string path)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)))!;
        int fd = OpenRoot(parent);
        try { RemoveAll(fd, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)))); }
        finally { Libc.Close(fd); }
    }
}
