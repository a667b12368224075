using System.Security.Cryptography;
using Kist.Layers.Native;

namespace Kist.Layers.Tests.Support;

/// <summary>One path of a scanned tree, in the shape the peer results use (docker export as tar types).</summary>
public sealed record FileRecord(string Type, string Mode, long Uid, long Gid, string? Sha256, long? Size, string? Link,
    string? Xattrs = null, long? Mtime = null)
{
    public override string ToString() =>
        $"type={Type} mode={Mode} uid={Uid} gid={Gid}" + (Sha256 != null ? $" sha={Sha256} size={Size}" : "") +
        (Link != null ? $" link={Link}" : "") + (Xattrs != null ? $" xattrs={Xattrs}" : "") + (Mtime != null ? $" mtime={Mtime}" : "");
}

public static class TreeScanner
{
    /// <summary>
    /// Every path below <paramref name="root"/> in lexical walk order (as docker export writes them): hardlinked
    /// files after their first name become type "1" with the first name as link.
    /// </summary>
    public static SortedDictionary<string, FileRecord> Scan(string root, bool withXattrs = false, bool withMtime = false,
        Func<string, bool>? exclude = null)
    {
        var result = new SortedDictionary<string, FileRecord>(StringComparer.Ordinal);
        var inodes = new Dictionary<(ulong, ulong), string>();
        int rootFd = Dirs.OpenRoot(root);
        try { Walk(rootFd, "", result, inodes, withXattrs, withMtime, exclude); }
        finally { Libc.Close(rootFd); }
        return result;
    }

    private static void Walk(int dirfd, string prefix, SortedDictionary<string, FileRecord> result,
        Dictionary<(ulong, ulong), string> inodes, bool withXattrs, bool withMtime, Func<string, bool>? exclude)
    {
        var names = Dirs.List(dirfd);
        names.Sort((a, b) => string.CompareOrdinal(a, b));
        foreach (var name in names)
        {
            string rel = prefix.Length == 0 ? name : prefix + "/" + name;
            if (exclude?.Invoke(rel) == true) continue;
            // overlayfs lists whiteouts inside upper-only directories that lookup then hides: skip them as docker export does.
            if (FileStat.TryLstat(dirfd, name) is not { } st) continue;
            string mode = "0o" + Convert.ToString(st.Mode, 8);
            string? xattrs = null;
            if (withXattrs)
            {
                var x = Xattrs.List($"/proc/self/fd/{dirfd}/{name}");
                if (x.Count > 0) xattrs = string.Join(",", x.Select(kv => kv.Key + "=" + Convert.ToHexString(kv.Value)));
            }
            long? mtime = withMtime && !st.IsDirectory ? st.MtimeSec : null;
            if (!st.IsDirectory && st.Nlink > 1)
            {
                if (inodes.TryGetValue(st.Identity, out var first))
                {
                    result[rel] = new FileRecord("1", mode, st.Uid, st.Gid, null, null, first, xattrs, mtime);
                    continue;
                }
                inodes[st.Identity] = rel;
            }
            switch (st.Type)
            {
                case Libc.S_IFDIR:
                    result[rel] = new FileRecord("5", mode, st.Uid, st.Gid, null, null, null, xattrs);
                    int fd = Dirs.OpenDirNoFollow(dirfd, name);
                    try { Walk(fd, rel, result, inodes, withXattrs, withMtime, exclude); }
                    finally { Libc.Close(fd); }
                    break;
                case Libc.S_IFREG:
                    string sha;
                    using (var fs = File.OpenRead($"/proc/self/fd/{dirfd}/{name}"))
                        sha = Convert.ToHexStringLower(SHA256.HashData(fs));
                    result[rel] = new FileRecord("0", mode, st.Uid, st.Gid, sha[..16], st.Size, null, xattrs, mtime);
                    break;
                case Libc.S_IFLNK:
                    result[rel] = new FileRecord("2", mode, st.Uid, st.Gid, null, null, Apply.RootedTreeAccess.ReadLink(dirfd, name), xattrs, mtime);
                    break;
                default:
                    string t = st.Type switch { Libc.S_IFCHR => "3", Libc.S_IFBLK => "4", Libc.S_IFIFO => "6", _ => "?" };
                    string? dev = st.Type is Libc.S_IFCHR or Libc.S_IFBLK ? $"{st.RdevMajor}:{st.RdevMinor}" : null;
                    result[rel] = new FileRecord(t, mode, st.Uid, st.Gid, null, null, dev, xattrs, mtime);
                    break;
            }
        }
    }

    /// <summary>Paths added or changed, and removed, between two scans.</summary>
    public static (SortedDictionary<string, FileRecord> Changed, List<string> Removed) Diff(
        SortedDictionary<string, FileRecord> before, SortedDictionary<string, FileRecord> after)
    {
        var changed = new SortedDictionary<string, FileRecord>(StringComparer.Ordinal);
        foreach (var (k, v) in after)
            if (!before.TryGetValue(k, out var b) || b != v) changed[k] = v;
        var removed = before.Keys.Where(k => !after.ContainsKey(k)).ToList();
        return (changed, removed);
    }
}
