using Kist.Layers.Native;
using Kist.Runtime.Native;

namespace Kist.Runtime.Bundle;

/// <summary>
/// Where a root's containers keep their OCI bundles while they run (<c>config.json</c> and the /etc files the runtime
/// mounts; the rootfs stays mounted in the container's directory). The bundle is made at every start and removed at
/// every stop, so it goes on a tmpfs when the machine has one at /run or /dev/shm, as containerd keeps its bundles
/// under /run: on this machine's disk (ext4 without a journal, mounted with discard) making and removing those five
/// files cost ~1 ms of every <c>run --rm</c> (two runs of 600 paired rounds: 0.4 and 1.4 ms, standard error 0.34).
/// Without a tmpfs, or when the tmpfs's directory is not safely this user's, bundles stay in the containers'
/// directories.
/// </summary>
public sealed class BundleLocation
{
    private static readonly string[] TmpfsCandidates = ["/run", "/dev/shm"];
    private readonly Func<string, string> _containerDirectory;
    // The tmpfs is looked for when a bundle is first asked for: `kist ps` or `images` never need one.
    private readonly Lazy<string?> _parent;

    /// <param name="root">The kist root, whose bundles get a directory of their own: <c>TMPFS/kist-HASH</c>.</param>
    /// <param name="containerDirectory">A container's directory, for the bundles that stay on disk.</param>
    public BundleLocation(string root, Func<string, string> containerDirectory, IEnumerable<string>? tmpfsCandidates = null)
    {
        _containerDirectory = containerDirectory;
        string name = "kist-" + Fnv1a(Path.GetFullPath(root)).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        _parent = new(() => FirstTmpfs(tmpfsCandidates ?? TmpfsCandidates) is { } tmpfs ? Path.Combine(tmpfs, name) : null);
    }

    // A loop, not Where(..).Select(..): LINQ's chained iterators resolve a generic virtual method at run time, ~0.1 ms.
    private static string? FirstTmpfs(IEnumerable<string> candidates)
    {
        foreach (string candidate in candidates)
        {
            if (IsTmpfs(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The container's bundle directory: the one <see cref="Create"/> made, or where it would be.</summary>
    public string Directory(string id) =>
        _parent.Value is { } parent && IsOwnPrivateDirectory(parent) && FileStat.TryLstat(Libc.AT_FDCWD, Path.Combine(parent, id)) is { Type: Libc.S_IFDIR }
            ? Path.Combine(parent, id)
            : _containerDirectory(id);

    /// <summary>Makes the container's bundle directory and returns it.</summary>
    public string Create(string id)
    {
        if (_parent.Value is { } parent)
        {
            // Another process may remove the (empty) parent in between: then make it again.
            for (int attempt = 0; attempt < 3; attempt++)
            {
                if (Libc.MkdirAt(Libc.AT_FDCWD, parent, 0x1C0) != 0 && Libc.Errno != Libc.EEXIST) break;
                if (!IsOwnPrivateDirectory(parent)) break; // made by someone else: not safe to write in
                string dir = Path.Combine(parent, id);
                if (Libc.MkdirAt(Libc.AT_FDCWD, dir, 0x1C0) == 0 || Libc.Errno == Libc.EEXIST) return dir;
                if (Libc.Errno != Libc.ENOENT) break;
            }
        }
        string own = _containerDirectory(id);
        System.IO.Directory.CreateDirectory(own);
        return own;
    }

    /// <summary>Removes the container's bundle directory once its files are gone, and the root's when it is empty.</summary>
    public void Remove(string id)
    {
        string dir = Directory(id);
        if (dir == _containerDirectory(id)) return;
        Libc.UnlinkAt(Libc.AT_FDCWD, dir, Libc.AT_REMOVEDIR);
        Libc.UnlinkAt(Libc.AT_FDCWD, _parent.Value!, Libc.AT_REMOVEDIR); // fails while other containers run: they keep it
    }

    private static bool IsTmpfs(string path) => Sys.Statfs(path, out var fs) == 0 && fs.Type == Sys.TMPFS_MAGIC;

    /// <summary>A directory, not a link, of this user, that nobody else may write in (/dev/shm is everyone's).</summary>
    private static bool IsOwnPrivateDirectory(string path) =>
        FileStat.TryLstat(Libc.AT_FDCWD, path) is { Type: Libc.S_IFDIR } stat && stat.Uid == Libc.Geteuid() && (stat.Permissions & 0x3F) == 0;

    /// <summary>A stable name for the root (string.GetHashCode differs in each process).</summary>
    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in text) hash = (hash ^ c) * 1099511628211;
        return hash;
    }
}
