using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Build.Execution;

/// <summary>Paths inside a root filesystem, resolved as if it were <c>/</c>: symlinks followed but never out of it.</summary>
public static class RootedPath
{
    /// <summary>
    /// Creates <paramref name="path"/> (absolute inside <paramref name="root"/>) and its missing parents with mode 0755,
    /// owned by <paramref name="uid"/>:<paramref name="gid"/>. Existing symlinks on the way are resolved inside the root.
    /// </summary>
    public static void CreateDirectories(string root, string path, uint uid, uint gid)
    {
        var pending = new Queue<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        string current = "/";
        int links = 0;
        while (pending.TryDequeue(out var part))
        {
            if (part == ".") continue;
            if (part == "..") { current = Parent(current); continue; }
            string candidate = current == "/" ? "/" + part : current + "/" + part;
            string host = root + candidate;
            var info = new FileInfo(host);
            if (info.LinkTarget is { } target)
            {
                if (++links > 40) throw new InvalidInputException($"too many levels of symbolic links in {path}");
                var rest = pending.ToList();
                pending.Clear();
                foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest)) pending.Enqueue(p);
                if (target.StartsWith('/')) current = "/";
                continue;
            }
            if (info.Exists) throw new InvalidInputException($"mkdir {candidate}: not a directory");
            if (!Directory.Exists(host))
            {
                Directory.CreateDirectory(host);
                File.SetUnixFileMode(host, (UnixFileMode)0b111_101_101);
                if (uid != 0 || gid != 0) Libc.FchownAt(Libc.AT_FDCWD, host, (int)uid, (int)gid, Libc.AT_SYMLINK_NOFOLLOW);
            }
            current = candidate;
        }
    }

    private static string Parent(string p)
    {
        int i = p.LastIndexOf('/');
        return i <= 0 ? "/" : p[..i];
    }
}
