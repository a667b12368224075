using System.Runtime.InteropServices;

namespace Kist.Runtime.Networking;

/// <summary>The few libc calls that make and remove a named network namespace without a child process.</summary>
internal static partial class NetnsNative
{
    public const int CLONE_NEWNET = 0x40000000;
    public const ulong MS_BIND = 0x1000, MS_REC = 0x4000, MS_SHARED = 1 << 20;
    public const int MNT_DETACH = 2;
    public const int EINVAL = 22, ENOENT = 2;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int unshare(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "mount", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Mount(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Umount2(string target, int flags);
}
