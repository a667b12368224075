using System.Text;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Layers.Apply;

/// <summary>
/// A directory tree that paths are resolved inside of, component by component with descriptors (as securejoin or
/// openat2 RESOLVE_IN_ROOT do): ".." stops at the root, absolute symlinks restart at the root, and no existing
/// symlink can lead outside. Resolved directories are cached by their textual path until something is removed.
/// </summary>
public sealed class RootedTree : IDisposable
{
    private const int MaxSymlinks = 255;
    private const int MaxCached = 128;
    private readonly Dictionary<string, (int Fd, string Phys)> _cache = new(StringComparer.Ordinal);

    public RootedTree(string root)
    {
        RootPath = root;
        RootFd = Dirs.OpenRoot(root);
    }

    public string RootPath { get; }
    public int RootFd { get; }

    /// <summary>Splits a tar name into clean components, as filepath.Clean("/"+name) does: "..", "." and "/" cannot climb above the root.</summary>
    public static List<string> Clean(string name)
    {
        var parts = new List<string>();
        foreach (var p in name.Split('/'))
        {
            if (p.Length == 0 || p == ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            if (p.Contains('\0')) throw new InvalidInputException("name contains a NUL byte");
            parts.Add(p);
        }
        return parts;
    }

    /// <summary>
    /// Resolves the directory <paramref name="comps"/>[0..count) inside the root, following symlinks within the root.
    /// Missing directories are created (0755) when <paramref name="create"/> is set, except under the target of a
    /// symlink that is the last component (as docker does: a dangling final symlink is an error, not a mkdir).
    /// Returns a cached descriptor (owned by this tree) and the physical path relative to the root.
    /// </summary>
    public (int Fd, string Phys) ResolveDir(List<string> comps, int count, bool create, Action<string>? onCreated = null)
    {
        if (count == 0) return (RootFd, "");
        string key = string.Join('/', comps.Take(count));
        if (_cache.TryGetValue(key, out var hit)) return hit;

        var queue = new LinkedList<(string Name, bool MayCreate)>();
        for (int i = 0; i < count; i++) queue.AddLast((comps[i], create));
        var stack = new List<(int Fd, string Name)>();  // physical path below the root, with owned descriptors
        int links = 0;
        try
        {
            while (queue.Count > 0)
            {
                var (name, mayCreate) = queue.First!.Value;
                queue.RemoveFirst();
                if (name is "" or ".") continue;
                if (name == "..")
                {
                    if (stack.Count > 0) { Libc.Close(stack[^1].Fd); stack.RemoveAt(stack.Count - 1); }
                    continue;
                }
                int cur = stack.Count > 0 ? stack[^1].Fd : RootFd;
                var st = FileStat.TryLstat(cur, name);
                if (st is null)
                {
                    if (!mayCreate) throw new NativeException("resolve", PhysOf(stack, name), Libc.ENOENT);
                    if (Libc.MkdirAt(cur, name, 0x1ED) != 0 && Libc.Errno != Libc.EEXIST)
                        throw new NativeException("mkdir", PhysOf(stack, name), Libc.Errno);
                    onCreated?.Invoke(PhysOf(stack, name));
                    st = FileStat.Lstat(cur, name);
                }
                if (st.Value.IsSymlink)
                {
                    if (++links > MaxSymlinks) throw new NativeException("resolve", PhysOf(stack, name), Libc.ELOOP);
                    string target = ReadLink(cur, name);
                    bool last = queue.Count == 0;
                    if (target.StartsWith('/'))
                    {
                        foreach (var s in stack) Libc.Close(s.Fd);
                        stack.Clear();
                    }
                    var parts = target.Split('/');
                    for (int i = parts.Length - 1; i >= 0; i--)
                        if (parts[i].Length > 0 && parts[i] != ".") queue.AddFirst((parts[i], mayCreate && !last));
                    continue;
                }
                if (!st.Value.IsDirectory) throw new NativeException("resolve", PhysOf(stack, name), Libc.ENOTDIR);
                stack.Add((Dirs.OpenDirNoFollow(cur, name), name));
            }
            if (stack.Count == 0) return (RootFd, "");
            var result = (stack[^1].Fd, string.Join('/', stack.Select(s => s.Name)));
            for (int i = 0; i < stack.Count - 1; i++) Libc.Close(stack[i].Fd);
            stack.Clear();
            if (_cache.Count >= MaxCached) Invalidate();
            _cache[key] = result;
            return result;
        }
        finally
        {
            foreach (var s in stack) Libc.Close(s.Fd);
        }
    }

    /// <summary>Opens the directory at a physical path without following any symlink; null when a component is missing or not a directory.</summary>
    public int? OpenPhysicalDir(string phys)
    {
        int cur = Libc.Dup(RootFd);
        foreach (var name in phys.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            int next = Libc.OpenAt(cur, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            Libc.Close(cur);
            if (next < 0) return null;
            cur = next;
        }
        return cur;
    }

    /// <summary>Drops every cached descriptor: call after removing or replacing a directory or symlink.</summary>
    public void Invalidate()
    {
        foreach (var (fd, _) in _cache.Values) Libc.Close(fd);
        _cache.Clear();
    }

    public static unsafe string ReadLink(int dirfd, string name)
    {
        var buf = new byte[4096];
        fixed (byte* p = buf)
        {
            nint n = Libc.ReadlinkAt(dirfd, name, p, buf.Length);
            if (n < 0) throw new NativeException("readlink", name, Libc.Errno);
            return Encoding.UTF8.GetString(buf, 0, (int)n);
        }
    }

    private static string PhysOf(List<(int Fd, string Name)> stack, string name) =>
        stack.Count == 0 ? name : string.Join('/', stack.Select(s => s.Name)) + "/" + name;

    public void Dispose()
    {
        Invalidate();
        Libc.Close(RootFd);
    }
}
