using Kist.Layers.Native;

namespace Kist.Layers.Tests.Support;

public static class Trees
{
    /// <summary>A tree with every kind of thing a layer holds.</summary>
    public static unsafe void MakeRich(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Directory.CreateDirectory(Path.Combine(root, "usr", "bin"));
        File.WriteAllBytes(Path.Combine(root, "usr", "bin", "tool"), new byte[200_000]);
        File.SetUnixFileMode(Path.Combine(root, "usr", "bin", "tool"), (UnixFileMode)0x9ED); // 04755
        Libc.LinkAt(Libc.AT_FDCWD, Path.Combine(root, "usr", "bin", "tool"), Libc.AT_FDCWD, Path.Combine(root, "usr", "bin", "tool-link"), 0);
        File.CreateSymbolicLink(Path.Combine(root, "usr", "bin", "sh"), "tool");
        File.CreateSymbolicLink(Path.Combine(root, "abs-link"), "/etc/passwd");
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        File.SetUnixFileMode(Path.Combine(root, "tmp"), (UnixFileMode)0x3FF | UnixFileMode.StickyBit);
        var longDir = Path.Combine(root, "long", new string('d', 120));
        Directory.CreateDirectory(longDir);
        File.WriteAllText(Path.Combine(longDir, new string('f', 150)), "long");
        File.WriteAllText(Path.Combine(root, "ünïcödé-名前"), "u");
        File.WriteAllText(Path.Combine(root, "caps"), "cap");
        var cap = Convert.FromHexString("0100000200200000000000000000000000000000");
        fixed (byte* p = cap) Libc.Lsetxattr(Path.Combine(root, "caps"), "security.capability", p, cap.Length, 0);
        var u = "judge"u8.ToArray();
        fixed (byte* p = u) Libc.Lsetxattr(Path.Combine(root, "caps"), "user.test", p, u.Length, 0);
        File.WriteAllText(Path.Combine(root, "biguid"), "b");
        Libc.FchownAt(Libc.AT_FDCWD, Path.Combine(root, "biguid"), 3000000, 3000001, 0);
        Libc.MknodAt(Libc.AT_FDCWD, Path.Combine(root, "fifo"), Libc.S_IFIFO | 0x1A4, 0);
        Libc.MknodAt(Libc.AT_FDCWD, Path.Combine(root, "null"), Libc.S_IFCHR | 0x1B6, Libc.MakeDev(1, 3));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
    }
}
