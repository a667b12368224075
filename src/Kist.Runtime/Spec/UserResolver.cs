using Kist.Oci;

namespace Kist.Runtime.Spec;

public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home);

/// <summary>
/// <c>-u user[:group]</c> resolved against the container's /etc/passwd and /etc/group as runc's GetExecUser does:
/// names are looked up, numbers are taken as they are, and supplementary groups come from group membership only
/// when no group was given.
/// </summary>
public static class UserResolver
{
    public sealed record PasswdEntry(string Name, uint Uid, uint Gid, string Home);
    public sealed record GroupEntry(string Name, uint Gid, IReadOnlyList<string> Members);

    /// <summary>Reads the container's files from <paramref name="rootfs"/> (missing files are empty).</summary>
    public static ResolvedUser Resolve(string? spec, string rootfs) =>
        Resolve(spec, ReadPasswd(ReadLines(rootfs, "etc/passwd")), ReadGroups(ReadLines(rootfs, "etc/group")));

    public static ResolvedUser Resolve(string? spec, IReadOnlyList<PasswdEntry> passwd, IReadOnlyList<GroupEntry> groups)
    {
        spec ??= "";
        int colon = spec.IndexOf(':');
        string userPart = colon < 0 ? spec : spec[..colon];
        string? groupPart = colon < 0 ? null : spec[(colon + 1)..];
        uint uid = 0, gid = 0;
        string home = "/";
        bool matchedName = false;
        string? name = null;
        bool numericUser = uint.TryParse(userPart, out uint wantedUid);
        if (userPart.Length == 0)
        {
            // runc's default: root, and root's passwd entry when there is one.
            if (passwd.FirstOrDefault(p => p.Uid == 0) is { } root) { home = root.Home; gid = root.Gid; name = root.Name; matchedName = true; }
        }
        else if (passwd.FirstOrDefault(p => p.Name == userPart || (numericUser && p.Uid == wantedUid)) is { } entry)
        {
            uid = entry.Uid; gid = entry.Gid; home = entry.Home; name = entry.Name; matchedName = true;
        }
        else if (numericUser) uid = wantedUid;
        else throw new InvalidInputException($"unable to find user {userPart}: no matching entries in passwd file");

        var additional = new List<uint>();
        if (!string.IsNullOrEmpty(groupPart))
        {
            bool numericGroup = uint.TryParse(groupPart, out uint wantedGid);
            if (groups.FirstOrDefault(g => g.Name == groupPart || (numericGroup && g.Gid == wantedGid)) is { } group) gid = group.Gid;
            else if (numericGroup) gid = wantedGid;
            else throw new InvalidInputException($"unable to find group {groupPart}: no matching entries in group file");
        }
        else if (matchedName && name is not null)
        {
            additional.AddRange(groups.Where(g => g.Members.Contains(name)).Select(g => g.Gid));
        }
        // docker (since 20.10.24) lists the primary group among the supplementary ones, as POSIX asks.
        additional.Insert(0, gid);
        return new ResolvedUser(uid, gid, additional.Distinct().ToList(), home);
    }

    public static List<PasswdEntry> ReadPasswd(IEnumerable<string> lines)
    {
        var result = new List<PasswdEntry>();
        foreach (var line in lines)
        {
            var f = line.Split(':');
            if (f.Length < 4 || !uint.TryParse(f[2], out uint uid) || !uint.TryParse(f[3], out uint gid)) continue;
            result.Add(new PasswdEntry(f[0], uid, gid, f.Length > 5 && f[5].Length > 0 ? f[5] : "/"));
        }
        return result;
    }

    public static List<GroupEntry> ReadGroups(IEnumerable<string> lines)
    {
        var result = new List<GroupEntry>();
        foreach (var line in lines)
        {
            var f = line.Split(':');
            if (f.Length < 3 || !uint.TryParse(f[2], out uint gid)) continue;
            var members = f.Length > 3 ? f[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            result.Add(new GroupEntry(f[0], gid, members));
        }
        return result;
    }

    /// <summary>The lines of a file inside the rootfs; a symlink on the way is not followed (it could point out of the rootfs).</summary>
    private static IEnumerable<string> ReadLines(string rootfs, string relative)
    {
        string path = rootfs;
        foreach (var part in relative.Split('/'))
        {
            path = System.IO.Path.Combine(path, part);
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path)) return [];
            if (info.LinkTarget is not null) return [];
        }
        try { return File.ReadAllLines(path); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }
}
