using Kist.Runtime.Native;

namespace Kist.Runtime.State;

/// <summary>An exclusive flock(2) on a lock file: one writer of a container's state at a time, across processes.</summary>
public sealed class ContainerLock : IDisposable
{
    private int _fd;

    private ContainerLock(int fd) => _fd = fd;

    public static ContainerLock Acquire(string path)
    {
        int fd = Sys.Open(path, Sys.O_RDWR | Sys.O_CREAT | Sys.O_CLOEXEC, Convert.ToInt32("600", 8));
        if (fd < 0) throw new IOException($"cannot open lock file {path}: errno {Sys.Errno}");
        while (Sys.Flock(fd, Sys.LOCK_EX) != 0)
        {
            if (Sys.Errno == Sys.EINTR) continue;
            Sys.Close(fd);
            throw new IOException($"cannot lock {path}: errno {Sys.Errno}");
        }
        return new ContainerLock(fd);
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0) return;
        Sys.Flock(fd, Sys.LOCK_UN);
        Sys.Close(fd);
    }
}
