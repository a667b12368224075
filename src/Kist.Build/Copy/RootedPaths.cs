using Kist.Layers.Apply;
using Kist.Layers.Native;

namespace Kist.Build.Copy;

/// <summary>Resolving a whole path inside a <see cref="RootedTree"/>, its last component's symlinks followed too
/// (fs.RootPath / securejoin): nothing outside the root is ever reached.</summary>
internal static class RootedPaths
{
    private const int MaxLinks = 255;

    /// <summary>
    /// The symlink-free components of <paramref name="path"/> inside the tree: the parent directory components
    /// (resolved, created when <paramref name="createParents"/>) and the final name, with its lstat (null if missing).
    /// A final symlink is followed when <paramref name="followFinal"/>. Returns null when a parent is missing.
    /// </summary>
    public static (List<string> Dir, string Name, FileStat? Stat)? Resolve(RootedTree tree, string path, bool followFinal,
        bool createParents = false, Action<string>? onCreated = null)
    {
        var comps = RootedTree.Clean(path);
        for (int links = 0; ; links++)
        {
            if (comps.Count == 0) return ([], "", FileStat.Lstat(tree.RootFd, "."));
            int fd;
            string phys;
            try { (fd, phys) = tree.ResolveDir(comps, comps.Count - 1, createParents, onCreated); }
            catch (NativeException e) when (e.Errno is Libc.ENOENT or Libc.ENOTDIR) { return null; }
            var dir = phys.Length == 0 ? new List<string>() : phys.Split('/').ToList();
            var name = comps[^1];
            var st = FileStat.TryLstat(fd, name);
            if (st is not { IsSymlink: true } || !followFinal) return (dir, name, st);
            if (links >= MaxLinks) throw new NativeException("resolve", path, Libc.ELOOP);
            var target = RootedTree.ReadLink(fd, name);
            comps = RootedTree.Clean(target.StartsWith('/') ? target : string.Join('/', dir) + "/" + target);
        }
    }

    public static string Join(List<string> dir, string name) =>
        dir.Count == 0 ? name : name.Length == 0 ? string.Join('/', dir) : string.Join('/', dir) + "/" + name;
}
