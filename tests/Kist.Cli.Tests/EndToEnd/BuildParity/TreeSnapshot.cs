using System.Security.Cryptography;
using Kist.Layers.Native;

namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// What a root filesystem holds, path by path: type, permission bits (setuid, setgid, sticky included), owner, size,
/// content hash, link target and hardlink group. Not mtimes: builds at different times differ there by design.
/// </summary>
public static class TreeSnapshot
{
    public static SortedDictionary<string, string> Take(string root)
    {
        var entries = new SortedDictionary<string, (FileStat Stat, string Description)>(StringComparer.Ordinal);
        Walk(root, "/", entries);
        // Hardlinks: every path of an inode names the first path of its group, so both trees must group alike.
        var groups = entries.Where(e => e.Value.Stat.IsRegular && e.Value.Stat.Nlink > 1)
            .GroupBy(e => e.Value.Stat.Inode).ToDictionary(g => g.Key, g => g.Select(e => e.Key).Min(StringComparer.Ordinal)!);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, (stat, description)) in entries)
            result[path] = groups.TryGetValue(stat.Inode, out var first) && stat.IsRegular && stat.Nlink > 1 ? $"{description} hardlink-group={first}" : description;
        return result;
    }

    private static void Walk(string root, string relative, SortedDictionary<string, (FileStat, string)> entries)
    {
        string full = relative == "/" ? root : root + relative;
        var stat = FileStat.TryLstat(Libc.AT_FDCWD, full) ?? throw new FileNotFoundException(full);
        entries[relative] = (stat, Describe(full, stat));
        if (!stat.IsDirectory) return;
        foreach (var child in Directory.EnumerateFileSystemEntries(full))
            Walk(root, (relative == "/" ? "/" : relative + "/") + Path.GetFileName(child), entries);
    }

    private static string Describe(string full, FileStat stat)
    {
        string owner = $"{stat.Uid}:{stat.Gid}";
        string mode = Convert.ToString(stat.Permissions, 8).PadLeft(4, '0');
        if (stat.IsDirectory) return $"dir {mode} {owner}";
        if (stat.IsSymlink) return $"symlink {owner} -> {new FileInfo(full).LinkTarget}";
        if (stat.IsRegular)
        {
            using var stream = File.OpenRead(full);
            return $"file {mode} {owner} size={stat.Size} sha256={Convert.ToHexStringLower(SHA256.HashData(stream))[..16]}";
        }
        return $"type={stat.Type:x} {mode} {owner} rdev={stat.RdevMajor}:{stat.RdevMinor}";
    }

    /// <summary>One line per path that differs, is only in one tree, or describes differently.</summary>
    public static IEnumerable<string> Compare(SortedDictionary<string, string> docker, SortedDictionary<string, string> kist)
    {
        foreach (var path in docker.Keys.Union(kist.Keys).Order(StringComparer.Ordinal))
        {
            bool inDocker = docker.TryGetValue(path, out var d), inKist = kist.TryGetValue(path, out var k);
            if (!inKist) yield return $"{path}: only in docker ({d})";
            else if (!inDocker) yield return $"{path}: only in kist ({k})";
            else if (d != k) yield return $"{path}: docker {d} | kist {k}";
        }
    }
}
