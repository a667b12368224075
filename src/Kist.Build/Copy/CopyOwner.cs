using Kist.Layers.Apply;
using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Build.Copy;

/// <summary>--chown "user[:group]": ids as given, names looked up in the target's /etc/passwd and /etc/group (BuildKit's
/// rules: a user alone gets the user's primary group, or the same number for a numeric uid).</summary>
internal static class CopyOwner
{
    public static (int Uid, int Gid) Resolve(string spec, RootedTree target)
    {
        var parts = spec.Split(':', 2);
        var user = parts[0];
        var group = parts.Length > 1 ? parts[1] : null;
        if (user.Length == 0) throw new InvalidInputException($"invalid --chown \"{spec}\": empty user");
        int uid, gid;
        if (TryId(user, out uid)) gid = uid;
        else
        {
            var entry = Find(target, "/etc/passwd", user)
                ?? throw new InvalidInputException($"unable to convert uid/gid chown string to host mapping: can't find uid for user {user}: no such user: {user}");
            uid = ParseField(entry, 2, spec);
            gid = ParseField(entry, 3, spec);
        }
        if (!string.IsNullOrEmpty(group))
        {
            if (!TryId(group, out gid))
            {
                var entry = Find(target, "/etc/group", group)
                    ?? throw new InvalidInputException($"unable to convert uid/gid chown string to host mapping: can't find gid for group {group}: no such group: {group}");
                gid = ParseField(entry, 2, spec);
            }
        }
        return (uid, gid);
    }

    private static bool TryId(string s, out int id) =>
        int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id);

    private static int ParseField(string[] entry, int index, string spec) =>
        entry.Length > index && TryId(entry[index], out var id) ? id : throw new InvalidInputException($"invalid --chown \"{spec}\": bad database entry");

    private static string[]? Find(RootedTree target, string path, string name)
    {
        var r = RootedPaths.Resolve(target, path, followFinal: true);
        if (r is not { Stat.IsRegular: true } res) return null;
        using var handle = ContentHasher.OpenRead(target, RootedPaths.Join(res.Dir, res.Name));
        using var reader = new StreamReader(new FileStream(handle, FileAccess.Read, 0));
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#')) continue;
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name) return fields;
        }
        return null;
    }
}
