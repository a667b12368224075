namespace Kist.Layers.Native;

/// <summary>The parts of <c>statx</c> that layer work needs.</summary>
public readonly record struct FileStat(
    uint Mode, uint Uid, uint Gid, long Size, ulong Inode, uint Nlink,
    uint DevMajor, uint DevMinor, uint RdevMajor, uint RdevMinor, long MtimeSec, uint MtimeNsec)
{
    public uint Type => Mode & Libc.S_IFMT;
    public uint Permissions => Mode & 0xFFF;
    public bool IsDirectory => Type == Libc.S_IFDIR;
    public bool IsRegular => Type == Libc.S_IFREG;
    public bool IsSymlink => Type == Libc.S_IFLNK;
    public bool IsOverlayWhiteout => Type == Libc.S_IFCHR && RdevMajor == 0 && RdevMinor == 0;
    public (ulong Dev, ulong Ino) Identity => (((ulong)DevMajor << 32) | DevMinor, Inode);

    /// <summary>lstat of <paramref name="name"/> relative to <paramref name="dirfd"/>; null when it does not exist.</summary>
    public static unsafe FileStat? TryLstat(int dirfd, string name)
    {
        byte* buf = stackalloc byte[256];
        if (Libc.Statx(dirfd, name, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, buf) != 0)
        {
            int e = Libc.Errno;
            if (e is Libc.ENOENT or Libc.ENOTDIR) return null;
            throw new NativeException("stat", name, e);
        }
        return FromBuffer(buf);
    }

    public static unsafe FileStat Lstat(int dirfd, string name) =>
        TryLstat(dirfd, name) ?? throw new NativeException("stat", name, Libc.ENOENT);

    /// <summary>fstat of an open descriptor.</summary>
    public static unsafe FileStat Fstat(int fd)
    {
        byte* buf = stackalloc byte[256];
        if (Libc.Statx(fd, "", Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, buf) != 0)
            throw new NativeException("fstat", "fd " + fd, Libc.Errno);
        return FromBuffer(buf);
    }

    private static unsafe FileStat FromBuffer(byte* b) => new(
        Mode: *(ushort*)(b + 28), Uid: *(uint*)(b + 20), Gid: *(uint*)(b + 24), Size: *(long*)(b + 40),
        Inode: *(ulong*)(b + 32), Nlink: *(uint*)(b + 16),
        DevMajor: *(uint*)(b + 136), DevMinor: *(uint*)(b + 140), RdevMajor: *(uint*)(b + 128), RdevMinor: *(uint*)(b + 132),
        MtimeSec: *(long*)(b + 112), MtimeNsec: *(uint*)(b + 120));
}
