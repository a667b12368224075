using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kist.Layers.Apply;
using Kist.Layers.Native;
using Microsoft.Win32.SafeHandles;

namespace Kist.Build.Copy;

/// <summary>
/// sha256 of regular files' contents, cached for the process by (device, inode, size, mtime) so that planning the
/// same unchanged tree twice reads nothing; files are streamed, two at a time.
/// </summary>
internal static class ContentHasher
{
    private static readonly ConcurrentDictionary<(ulong Dev, ulong Ino, long Size, long Sec, uint Nsec), string> Cache = new();

    public static void HashAll(RootedTree tree, IEnumerable<CopyEntry> entries, CancellationToken cancellationToken)
    {
        var todo = new List<CopyEntry>();
        foreach (var e in entries)
        {
            if (!e.Stat.IsRegular || e.ContentHash is not null) continue;
            if (Cache.TryGetValue(Key(e.Stat), out var hit)) e.ContentHash = hit;
            else todo.Add(e);
        }
        if (todo.Count == 0) return;
        // In path order, files of one directory are neighbours: each worker opens a directory once for its run of them,
        // instead of walking from the root for every file.
        todo.Sort((a, b) => string.CompareOrdinal(a.SourcePhys, b.SourcePhys));
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = cancellationToken };
        var ranges = Partitioner.Create(0, todo.Count, Math.Max(32, todo.Count / (8 * options.MaxDegreeOfParallelism)));
        Parallel.ForEach(ranges, options, range =>
        {
            string? openDir = null;
            int dirFd = -1;
            try
            {
                for (int i = range.Item1; i < range.Item2; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var e = todo[i];
                    int slash = e.SourcePhys.LastIndexOf('/');
                    string dir = slash < 0 ? "" : e.SourcePhys[..slash];
                    if (dir != openDir)
                    {
                        if (dirFd >= 0) Libc.Close(dirFd);
                        dirFd = -1;
                        dirFd = OpenDir(tree, dir) ?? throw new NativeException("open", e.SourcePhys, Libc.ENOENT);
                        openDir = dir;
                    }
                    var hash = Hash(dirFd, e.SourcePhys[(slash + 1)..], e.SourcePhys);
                    Cache[Key(e.Stat)] = hash;
                    e.ContentHash = hash;
                }
            }
            finally
            {
                if (dirFd >= 0) Libc.Close(dirFd);
            }
        });
    }

    private static (ulong, ulong, long, long, uint) Key(FileStat st) => (st.Identity.Dev, st.Identity.Ino, st.Size, st.MtimeSec, st.MtimeNsec);

    private static string Hash(int dirFd, string name, string phys)
    {
        using var handle = OpenAt(dirFd, name, phys);
        using var stream = new FileStream(handle, FileAccess.Read, 0);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static int? OpenDir(RootedTree tree, string phys) => phys.Length == 0 ? Libc.Dup(tree.RootFd) : tree.OpenPhysicalDir(phys);

    /// <summary>Opens a symlink-free path below the tree's root for reading, refusing any symlink on the way.</summary>
    public static SafeFileHandle OpenRead(RootedTree tree, string phys)
    {
        int slash = phys.LastIndexOf('/');
        int dirFd = OpenDir(tree, slash < 0 ? "" : phys[..slash]) ?? throw new NativeException("open", phys, Libc.ENOENT);
        try { return OpenAt(dirFd, phys[(slash + 1)..], phys); }
        finally { Libc.Close(dirFd); }
    }

    private static SafeFileHandle OpenAt(int dirFd, string name, string phys)
    {
        int fd = Libc.OpenAt(dirFd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new NativeException("open", phys, Libc.Errno);
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
