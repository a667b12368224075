using Kist.Layers.Native;
using Kist.Runtime.Native;

namespace Kist.Runtime.State;

/// <summary>
/// Replaces the small files of a container's directory atomically (a reader finds the old file or the new one, never a
/// part of one), in two ways that differ in when the data reaches the disk. ext4 writes a file's data out as soon as
/// it is closed after a truncation or renamed over another file (auto_da_alloc: it spares programs that replace files
/// without fsync an empty file after a crash), and .NET's <see cref="File.WriteAllBytes(string, byte[])"/> truncates
/// every file it opens, a new one too: each such write cost a disk write, 0.2-0.9 ms of this VM's time, nine times in
/// each container start (perf, and /proc/diskstats around 100 writes of each kind).
/// </summary>
internal static class AtomicFile
{
    private const uint RenameExchange = 2;

    /// <summary>For files that must survive a crash (a container's record, a stopped container's state): the data is written out at once, and after a crash the file is the old one or the new one.</summary>
    public static void WriteDurably(string path, byte[] bytes)
    {
        string temporary = TemporaryName(path);
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// For files that mean nothing after a crash (a running container's state, the bundle's files, which every start
    /// makes again): the data is left to the kernel's writeback, seconds later. A fresh file is written, never
    /// truncated, and exchanged with the old one (renameat2 RENAME_EXCHANGE, which does not write the data out as a
    /// rename over a file does), then the old one is removed. After a crash such a file may be empty.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        string temporary = TemporaryName(path);
        WriteNew(temporary, bytes);
        if (Sys.Renameat2(Libc.AT_FDCWD, temporary, Libc.AT_FDCWD, path, RenameExchange) == 0)
        {
            Libc.UnlinkAt(Libc.AT_FDCWD, temporary, 0);
            return;
        }
        // No file to exchange with (ENOENT: a plain rename replaces nothing), or a file system without the exchange.
        File.Move(temporary, path, overwrite: true);
    }

    private static string TemporaryName(string path) => path + ".tmp-" + Environment.ProcessId;

    private static unsafe void WriteNew(string path, ReadOnlySpan<byte> bytes)
    {
        const int flags = Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC;
        int fd = Libc.OpenAt(Libc.AT_FDCWD, path, flags, 0x1B6); // 0666 less the umask, as File.WriteAllBytes makes it
        if (fd < 0 && Libc.Errno == Libc.EEXIST)
        {
            Libc.UnlinkAt(Libc.AT_FDCWD, path, 0); // left by a process of the same pid that died while writing it
            fd = Libc.OpenAt(Libc.AT_FDCWD, path, flags, 0x1B6);
        }
        if (fd < 0) throw new NativeException("open", path, Libc.Errno);
        try
        {
            fixed (byte* start = bytes)
            {
                for (int written = 0; written < bytes.Length;)
                {
                    nint n = Libc.Write(fd, start + written, bytes.Length - written);
                    if (n < 0 && Libc.Errno == Libc.EINTR) continue;
                    if (n < 0) throw new NativeException("write", path, Libc.Errno);
                    written += (int)n;
                }
            }
        }
        catch
        {
            Libc.Close(fd);
            Libc.UnlinkAt(Libc.AT_FDCWD, path, 0);
            throw;
        }
        Libc.Close(fd);
    }
}
