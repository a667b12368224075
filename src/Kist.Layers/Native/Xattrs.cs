using System.Text;

namespace Kist.Layers.Native;

/// <summary>Reading extended attributes of a path without following its last component.</summary>
public static unsafe class Xattrs
{
    public static SortedDictionary<string, byte[]> List(string path)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        nint size = Libc.Llistxattr(path, null, 0);
        if (size <= 0) return result;
        var names = new byte[size];
        fixed (byte* p = names) size = Libc.Llistxattr(path, p, size);
        if (size <= 0) return result;
        foreach (var name in Encoding.UTF8.GetString(names, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Get(path, name) is { } v) result[name] = v;
        }
        return result;
    }

    public static byte[]? Get(string path, string name)
    {
        nint len = Libc.Lgetxattr(path, name, null, 0);
        if (len < 0) return null;
        var value = new byte[len];
        if (len == 0) return value;
        fixed (byte* p = value) len = Libc.Lgetxattr(path, name, p, len);
        return len < 0 ? null : value[..(int)len];
    }
}
