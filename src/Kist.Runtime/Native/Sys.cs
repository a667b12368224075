using System.Runtime.InteropServices;

namespace Kist.Runtime.Native;

/// <summary>The few libc calls the runtime needs (signals, sessions, file descriptors, locks, file systems).</summary>
internal static partial class Sys
{
    public const int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0x40, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;
    public const int LOCK_EX = 2, LOCK_UN = 8;
    public const int EINTR = 4, EAGAIN = 11;

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

    [LibraryImport("libc", EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Statfs(string path, out StatfsBuffer buffer);

    /// <summary>Creates a directory (mode 0700) from a template ending in XXXXXX, which it fills in place.</summary>
    [LibraryImport("libc", EntryPoint = "mkdtemp", SetLastError = true)]
    public static partial nint Mkdtemp(byte[] template);

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Renameat2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, out int value);

    /// <summary>FIONREAD: the bytes waiting to be read from a pipe (or a FIFO); -1 when the call fails.</summary>
    public static int BytesToRead(int fd) => Ioctl(fd, 0x541B, out int bytes) == 0 ? bytes : -1;

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    public static partial int PidfdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    public static unsafe partial int Waitid(int idType, int id, int* info, int options);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(Span<PollFd> fds, nuint count, int timeoutMilliseconds);

    public const short POLLIN = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    public const long TMPFS_MAGIC = 0x01021994;

    /// <summary>struct statfs: only its first field, f_type, is read; the size covers the whole struct on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct StatfsBuffer
    {
        public long Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Rlimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    public static int Errno => Marshal.GetLastPInvokeError();
}
