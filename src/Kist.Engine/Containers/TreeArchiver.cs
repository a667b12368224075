using Kist.Layers.Native;
using Kist.Layers.Tar;

namespace Kist.Engine.Containers;

/// <summary>
/// Writes a file or directory tree as tar entries, opening every entry relative to its parent's descriptor and never
/// following a symlink, so that a tree that changes meanwhile (a running container's) cannot lead the walk outside it.
/// </summary>
internal sealed class TreeArchiver(TarStreamWriter writer, long? uid, long? gid)
{
    private readonly Dictionary<(ulong, ulong), string> _links = [];
    private readonly byte[] _buffer = new byte[1 << 16];

    /// <summary>Writes <paramref name="name"/> of the directory <paramref name="parentFd"/> as <paramref name="entryName"/> ("" for a directory's contents only).</summary>
    public void Write(int parentFd, string name, string entryName)
    {
        var st = FileStat.Lstat(parentFd, name);
        if (st.IsDirectory)
        {
            if (entryName.Length > 0) writer.WriteHeader(Entry(entryName, TarEntryKind.Directory, st));
            int fd = Dirs.OpenDirNoFollow(parentFd, name);
            try
            {
                var children = Dirs.List(fd);
                children.Sort(StringComparer.Ordinal);
                foreach (var child in children) Write(fd, child, entryName.Length == 0 ? child : entryName + "/" + child);
            }
            finally { Libc.Close(fd); }
            return;
        }
        if (entryName.Length == 0) throw new Kist.Oci.InvalidInputException($"not a directory: {name}");
        if (st.Nlink > 1 && !st.IsDirectory)
        {
            if (_links.TryGetValue(st.Identity, out var first))
            {
                var link = Entry(entryName, TarEntryKind.Hardlink, st);
                link.LinkName = first;
                writer.WriteHeader(link);
                return;
            }
            _links[st.Identity] = entryName;
        }
        switch (st.Type)
        {
            case Libc.S_IFREG: WriteFile(parentFd, name, entryName, st); return;
            case Libc.S_IFLNK:
                var symlink = Entry(entryName, TarEntryKind.Symlink, st);
                symlink.LinkName = Kist.Layers.Apply.RootedTree.ReadLink(parentFd, name);
                writer.WriteHeader(symlink);
                return;
            case Libc.S_IFCHR or Libc.S_IFBLK:
                var device = Entry(entryName, st.Type == Libc.S_IFCHR ? TarEntryKind.CharDevice : TarEntryKind.BlockDevice, st);
                device.DevMajor = st.RdevMajor;
                device.DevMinor = st.RdevMinor;
                writer.WriteHeader(device);
                return;
            case Libc.S_IFIFO: writer.WriteHeader(Entry(entryName, TarEntryKind.Fifo, st)); return;
            default: return; // sockets are not archived
        }
    }

    private unsafe void WriteFile(int parentFd, string name, string entryName, FileStat st)
    {
        int fd = Libc.OpenAt(parentFd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new NativeException("open", entryName, Libc.Errno);
        try
        {
            var now = FileStat.Fstat(fd);
            if (!now.IsRegular) throw new IOException($"{entryName} changed while it was copied");
            var entry = Entry(entryName, TarEntryKind.Regular, now);
            entry.Size = now.Size;
            writer.WriteHeader(entry);
            long left = now.Size;
            fixed (byte* p = _buffer)
            {
                while (left > 0)
                {
                    nint n = Libc.Read(fd, p, (nint)Math.Min(left, _buffer.Length));
                    if (n < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("read", entryName, Libc.Errno); }
                    if (n == 0) throw new IOException($"{entryName} shrank while it was copied");
                    writer.WriteData(_buffer.AsSpan(0, (int)n));
                    left -= n;
                }
            }
        }
        finally { Libc.Close(fd); }
    }

    private TarEntry Entry(string name, TarEntryKind kind, FileStat st) => new()
    {
        Name = name,
        Kind = kind,
        Mode = st.Permissions,
        Uid = uid ?? st.Uid,
        Gid = gid ?? st.Gid,
        MtimeSeconds = st.MtimeSec,
    };
}
