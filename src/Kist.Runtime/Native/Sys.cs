using System.Runtime.InteropServices;

namespace Kist.Runtime.Native;

/// <summary>The few libc calls the runtime needs (signals, sessions, file descriptors, locks).</summary>
internal static partial class Sys
{
    public const int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0x40, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;
    public const int LOCK_EX = 2, LOCK_UN = 8;
    public const int EINTR = 4, ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int Setsid();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int oldfd, int newfd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "isatty")]
    public static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int Getrlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    public static partial int Getpgrp();

    [LibraryImport("libc", EntryPoint = "getpgid", SetLastError = true)]
    public static partial int Getpgid(int pid);

    [LibraryImport("libc", EntryPoint = "tcgetpgrp", SetLastError = true)]
    public static partial int Tcgetpgrp(int fd);

    [StructLayout(LayoutKind.Sequential)]
    public struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    public static int Errno => Marshal.GetLastPInvokeError();
}
