using Kist.Runtime.Native;

namespace Kist.Runtime.State;

/// <summary>An exclusive flock(2) on a lock file or a directory: one writer of a container's state at a time, across processes.</summary>
public sealed class ContainerLock : IDisposable
{
    private int _fd;

    private ContainerLock(int fd) => _fd = fd;

    public static ContainerLock Acquire(string path) =>
        Lock(Sys.Open(path, Sys.O_RDWR | Sys.O_CREAT | Sys.O_CLOEXEC, Convert.ToInt32("600", 8)), path);

    /// <summary>Locks a directory itself (flock works on a directory's descriptor): no lock file to create and delete.</summary>
    public static ContainerLock AcquireDirectory(string path) =>
        Lock(Sys.Open(path, Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_CLOEXEC, 0), path);

    private static ContainerLock Lock(int fd, string path)
    {
        if (fd < 0) throw new IOException($"cannot open {path} to lock it: errno {Sys.Errno}");
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
