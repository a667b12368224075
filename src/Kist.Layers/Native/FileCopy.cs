using System.Buffers;

namespace Kist.Layers.Native;

/// <summary>
/// Copies open files in the kernel (copy_file_range; reflinks where the filesystem can), with a read/write fallback.
/// One instance serves one destination tree (a build's COPY, a snapshot copy): once the kernel refuses (as from another
/// filesystem into an overlay mount) it is not asked again for every file.
/// </summary>
public sealed unsafe class FileCopy
{
    private const int ENOSYS = 38, EBADF = 9;
    private volatile bool _kernelRefuses;

    /// <summary>Copies <paramref name="size"/> bytes (the planned size; a file that shrank since ends early).</summary>
    public void Copy(int src, int dst, long size, string name)
    {
        long done = 0;
        while (!_kernelRefuses && done < size)
        {
            nint n = Libc.CopyFileRange(src, null, dst, null, (nint)Math.Min(size - done, 1L << 30), 0);
            if (n > 0) { done += n; continue; }
            if (n == 0) return;
            int errno = Libc.Errno;
            if (errno == Libc.EINTR) continue;
            if (errno is Libc.EXDEV or Libc.EINVAL or ENOSYS or Libc.EOPNOTSUPP or EBADF) _kernelRefuses = true;
            else throw new NativeException("copy", name, errno);
        }
        if (done < size) CopyBytes(src, dst, size - done, name);
    }

    private static void CopyBytes(int src, int dst, long left, string name)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            fixed (byte* p = buffer)
            {
                while (left > 0)
                {
                    nint r = Libc.Read(src, p, (nint)Math.Min(buffer.Length, left));
                    if (r < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("read", name, Libc.Errno); }
                    if (r == 0) return;
                    left -= r;
                    for (nint off = 0; off < r;)
                    {
                        nint w = Libc.Write(dst, p + off, r - off);
                        if (w < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("write", name, Libc.Errno); }
                        off += w;
                    }
                }
            }
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }
}
