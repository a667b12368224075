using System.Runtime.InteropServices;

namespace Kist.Content;

/// <summary>
/// An advisory flock(2) on a lock file, shared between processes. .NET's own FileStream locking
/// is non-blocking, so the lock file is opened and locked with the system calls directly.
/// </summary>
public sealed partial class FileLock : IDisposable
{
    private const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    private const int O_RDWR = 2, O_CREAT = 0x40, O_CLOEXEC = 0x80000;
    private const int EINTR = 4, EWOULDBLOCK = 11;

    private int _fd;

    private FileLock(int fd) => _fd = fd;

    public static FileLock Exclusive(string path) => Acquire(path, LOCK_EX, wait: true)!;

    public static FileLock Shared(string path) => Acquire(path, LOCK_SH, wait: true)!;

    /// <summary>The exclusive lock if nobody holds the file, else null.</summary>
    public static FileLock? TryExclusive(string path) => Acquire(path, LOCK_EX, wait: false);

    private static FileLock? Acquire(string path, int operation, bool wait)
    {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, Convert.ToInt32("644", 8));
        if (fd < 0) throw new IOException($"cannot open lock file {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        while (true)
        {
            if (flock(fd, operation | (wait ? 0 : LOCK_NB)) == 0) return new FileLock(fd);
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            close(fd);
            if (errno == EWOULDBLOCK && !wait) return null;
            throw new IOException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0) return;
        flock(fd, LOCK_UN);
        close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
