using Kist.Layers.Native;

namespace Kist.Build.Copy;

/// <summary>Copies one open file to another in the kernel (copy_file_range; reflinks where the filesystem can), with a read/write fallback.</summary>
internal static unsafe class FileCopy
{
    private const int ENOSYS = 38, EBADF = 9;

    /// <summary>Copies <paramref name="size"/> bytes (the planned size; a file that shrank since ends early).</summary>
    public static void Copy(int src, int dst, long size, string name)
    {
        long done = 0;
        while (done < size)
        {
            nint n = Libc.CopyFileRange(src, null, dst, null, (nint)Math.Min(size - done, 1L << 30), 0);
            if (n > 0) { done += n; continue; }
            if (n == 0) return;
            int errno = Libc.Errno;
            if (errno == Libc.EINTR) continue;
            if (errno is Libc.EXDEV or Libc.EINVAL or ENOSYS or Libc.EOPNOTSUPP or EBADF) break;
            throw new NativeException("copy", name, errno);
        }
        if (done >= size) return;
        var buffer = new byte[1 << 16];
        fixed (byte* p = buffer)
        {
            while (true)
            {
                if (done >= size) return;
                nint r = Libc.Read(src, p, (nint)Math.Min(buffer.Length, size - done));
                if (r < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("read", name, Libc.Errno); }
                if (r == 0) return;
                done += r;
                for (nint off = 0; off < r;)
                {
                    nint w = Libc.Write(dst, p + off, r - off);
                    if (w < 0) { if (Libc.Errno == Libc.EINTR) continue; throw new NativeException("write", name, Libc.Errno); }
                    off += w;
                }
            }
        }
    }
}
