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
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = cancellationToken };
        Parallel.ForEach(todo, options, e =>
        {
            var hash = Hash(tree, e.SourcePhys);
            Cache[Key(e.Stat)] = hash;
            e.ContentHash = hash;
        });
    }

    private static (ulong, ulong, long, long, uint) Key(FileStat st) => (st.Identity.Dev, st.Identity.Ino, st.Size, st.MtimeSec, st.MtimeNsec);

    private static string Hash(RootedTree tree, string phys)
    {
        using var handle = OpenRead(tree, phys);
        using var stream = new FileStream(handle, FileAccess.Read, 0);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Opens a symlink-free path below the tree's root for reading, refusing any symlink on the way.</summary>
    public static SafeFileHandle OpenRead(RootedTree tree, string phys)
    {
        int slash = phys.LastIndexOf('/');
        int dirFd = (slash < 0 ? Libc.Dup(tree.RootFd) : tree.OpenPhysicalDir(phys[..slash])) ?? throw new NativeException("open", phys, Libc.ENOENT);
        try
        {
            int fd = Libc.OpenAt(dirFd, phys[(slash + 1)..], Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
            if (fd < 0) throw new NativeException("open", phys, Libc.Errno);
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        finally { Libc.Close(dirFd); }
    }
}
