using System.Text;
using Kist.Layers.Apply;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Build.Copy;

/// <summary>
/// Writes entries below one destination directory with descriptors only: directories first (in order), regular files
/// copied in parallel (copy_file_range), then hardlinks, then directory metadata deepest first. Existing
/// non-directories are replaced; an existing symlink where a directory goes is resolved inside the target.
/// </summary>
internal sealed class TreeWriter(RootedTree target, string sourceRoot, Ownership ownership, uint? chmod) : IDisposable
{
    private readonly RootedTree _source = new(sourceRoot);
    private readonly Dictionary<string, int> _dirs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _sourceDirs = new(StringComparer.Ordinal);
    private readonly FileCopy _fileCopy = new();
    private string _basePhys = "";

    /// <summary>Writes <paramref name="entries"/> (relative paths, parents before children) below <paramref name="baseFd"/>, which it takes over.</summary>
    public void Write(int baseFd, string basePhys, IEnumerable<(string Rel, CopyEntry Entry)> entries, CancellationToken cancellationToken)
    {
        _basePhys = basePhys;
        _dirs[""] = baseFd;
        var files = new List<(int Dir, string Name, CopyEntry Entry)>();
        var links = new List<(int Dir, string Name, CopyEntry Entry)>();
        var dirs = new List<(int Fd, CopyEntry Entry)>();
        foreach (var (rel, e) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (parent, name) = Split(rel);
            int pfd = DirFd(parent);
            var st = e.Stat;
            if (st.IsDirectory)
            {
                int fd = EnsureDir(pfd, name, rel);
                _dirs[rel] = fd;
                dirs.Add((fd, e));
            }
            else if (st.IsRegular) (e.HardlinkOf is null ? files : links).Add((pfd, name, e));
            else if (st.IsSymlink) WriteSymlink(pfd, name, e);
            else WriteSpecial(pfd, name, e);
        }
        // Creating files is syscall- and journal-bound more than CPU-bound: a few more threads than cores overlap the waits.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, 2 * Environment.ProcessorCount), CancellationToken = cancellationToken };
        foreach (var f in files) SourceDir(f.Entry.SourcePhys);
        if (files.Count < 8) foreach (var f in files) CopyFile(f.Dir, f.Name, f.Entry);
        else Parallel.ForEach(files, options, f => CopyFile(f.Dir, f.Name, f.Entry));
        foreach (var (dir, name, e) in links)
        {
            var (tparent, tname) = Split(e.HardlinkOf!);
            ClearSlot(dir, name);
            if (Libc.LinkAt(DirFd(tparent), tname, dir, name, 0) != 0) throw new NativeException("link", name, Libc.Errno);
        }
        for (int i = dirs.Count - 1; i >= 0; i--)
        {
            var (fd, e) = dirs[i];
            SetMeta(fd, "", e.Stat, Libc.AT_EMPTY_PATH, chmod);
        }
    }

    private static (string Parent, string Name) Split(string rel)
    {
        int i = rel.LastIndexOf('/');
        return i < 0 ? ("", rel) : (rel[..i], rel[(i + 1)..]);
    }

    // A parent that is not itself an entry (e.g. filtered out): created on the way.
    private int DirFd(string rel)
    {
        if (_dirs.TryGetValue(rel, out var fd)) return fd;
        var (parent, name) = Split(rel);
        fd = EnsureDir(DirFd(parent), name, rel);
        _dirs[rel] = fd;
        return fd;
    }

    private int EnsureDir(int pfd, string name, string rel)
    {
        var st = FileStat.TryLstat(pfd, name);
        if (st is { IsSymlink: true })
        {
            // Where the target has a symlink, follow it as the kernel would, but inside the target.
            var comps = RootedTree.Clean(_basePhys + "/" + rel);
            var (fd, _) = target.ResolveDir(comps, comps.Count, create: true);
            return Libc.Dup(fd);
        }
        if (st is { IsDirectory: false }) ClearSlot(pfd, name);
        if (st is not { IsDirectory: true } && Libc.MkdirAt(pfd, name, 0x1ED) != 0 && Libc.Errno != Libc.EEXIST)
            throw new NativeException("mkdir", rel, Libc.Errno);
        return Dirs.OpenDirNoFollow(pfd, name);
    }

    private static void ClearSlot(int dirFd, string name)
    {
        var st = FileStat.TryLstat(dirFd, name);
        if (st is null) return;
        if (st.Value.IsDirectory) throw new InvalidInputException($"cannot replace to directory {name} with file");
        if (Libc.UnlinkAt(dirFd, name, 0) != 0 && Libc.Errno != Libc.ENOENT) throw new NativeException("unlink", name, Libc.Errno);
    }

    private int SourceDir(string phys)
    {
        int slash = phys.LastIndexOf('/');
        var dir = slash < 0 ? "" : phys[..slash];
        lock (_sourceDirs)
        {
            if (_sourceDirs.TryGetValue(dir, out var fd)) return fd;
            fd = (dir.Length == 0 ? Libc.Dup(_source.RootFd) : _source.OpenPhysicalDir(dir)) ?? throw new NativeException("open", dir, Libc.ENOENT);
            _sourceDirs[dir] = fd;
            return fd;
        }
    }

    private unsafe void CopyFile(int dirFd, string name, CopyEntry e)
    {
        var phys = e.SourcePhys;
        int src = Libc.OpenAt(SourceDir(phys), phys[(phys.LastIndexOf('/') + 1)..], Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (src < 0) throw new NativeException("open", phys, Libc.Errno);
        try
        {
            // Create first, clear an existing entry only when there is one (most targets are new directories).
            const int flags = Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC;
            int dst = Libc.OpenAt(dirFd, name, flags | Libc.O_NOFOLLOW, 0x180);
            if (dst < 0 && Libc.Errno == Libc.EEXIST)
            {
                ClearSlot(dirFd, name);
                dst = Libc.OpenAt(dirFd, name, flags | Libc.O_NOFOLLOW, 0x180);
            }
            if (dst < 0) throw new NativeException("create", name, Libc.Errno);
            try
            {
                _fileCopy.Copy(src, dst, e.Stat.Size, name);
                SetMeta(dst, "", e.Stat, Libc.AT_EMPTY_PATH, chmod, created: true);
            }
            finally { Libc.Close(dst); }
        }
        finally { Libc.Close(src); }
    }

    private unsafe void WriteSymlink(int dirFd, string name, CopyEntry e)
    {
        ClearSlot(dirFd, name);
        var bytes = Encoding.UTF8.GetBytes((e.LinkTarget ?? "") + "\0");
        fixed (byte* p = bytes)
            if (Libc.SymlinkAt(p, dirFd, name) != 0) throw new NativeException("symlink", name, Libc.Errno);
        SetMeta(dirFd, name, e.Stat, Libc.AT_SYMLINK_NOFOLLOW, null);
    }

    private void WriteSpecial(int dirFd, string name, CopyEntry e)
    {
        var st = e.Stat;
        ClearSlot(dirFd, name);
        ulong dev = st.Type is Libc.S_IFCHR or Libc.S_IFBLK ? Libc.MakeDev(st.RdevMajor, st.RdevMinor) : 0;
        if (Libc.MknodAt(dirFd, name, st.Type | 0x180, dev) != 0) throw new NativeException("mknod", name, Libc.Errno);
        SetMeta(dirFd, name, st, Libc.AT_SYMLINK_NOFOLLOW, chmod);
    }

    // Owner first (chown clears setuid bits), then mode (never on a symlink), then times.
    private unsafe void SetMeta(int fd, string name, FileStat st, int flags, uint? mode, bool created = false)
    {
        var (uid, gid) = ownership.For(st);
        // A file this root process just created is already 0:0.
        bool owned = created && uid == 0 && gid == 0;
        if (IsRoot && !owned && Libc.FchownAt(fd, name, uid, gid, flags) != 0) throw new NativeException("chown", name, Libc.Errno);
        if (!st.IsSymlink)
        {
            int rc = name.Length == 0 ? Libc.Fchmod(fd, mode ?? st.Permissions) : Libc.FchmodAt(fd, name, mode ?? st.Permissions, 0);
            if (rc != 0) throw new NativeException("chmod", name, Libc.Errno);
        }
        var ts = stackalloc Libc.Timespec[2];
        ts[0] = new Libc.Timespec { Sec = st.MtimeSec, Nsec = st.MtimeNsec };
        ts[1] = ts[0];
        int r = name.Length == 0 ? Libc.Futimens(fd, ts) : Libc.UtimensAt(fd, name, ts, flags);
        if (r != 0) throw new NativeException("utimes", name, Libc.Errno);
    }

    private static readonly bool IsRoot = Libc.IsRoot;

    public void Dispose()
    {
        foreach (var fd in _dirs.Values.Distinct()) Libc.Close(fd);
        foreach (var fd in _sourceDirs.Values) Libc.Close(fd);
        _dirs.Clear();
        _sourceDirs.Clear();
        _source.Dispose();
    }
}
