using Kist.Layers.Native;
using Microsoft.Win32.SafeHandles;

namespace Kist.Layers.Compression;

/// <summary>
/// Chooses a new layer's compression from the files it will hold. When nearly all of its bytes are in files that do not
/// compress (random data, media, archives), gzip saves nothing and still costs a deflate pass and a second digest when
/// the layer is written, and an inflate whenever it is unpacked; such a layer is stored as a plain tar, as docker keeps
/// every local layer. The choice depends only on the files, so builds stay reproducible.
/// </summary>
public static class TreeCompressibility
{
    private const long MinLayerBytes = 1 << 20;
    private const long MinSampledFile = 256 << 10;
    private const int SampleSize = 64 << 10;

    /// <summary><see cref="Oci.Compression.None"/> when at least 90% of the regular-file bytes under <paramref name="directory"/> are in incompressible files, else <paramref name="preferred"/>.</summary>
    public static Oci.Compression Choose(string directory, Oci.Compression preferred)
    {
        if (preferred == Oci.Compression.None) return preferred;
        var totals = new Totals();
        int fd = Dirs.OpenRoot(directory);
        try { Visit(fd, totals); }
        finally { Libc.Close(fd); }
        return totals.All >= MinLayerBytes && totals.Incompressible >= totals.All * 0.9 ? Oci.Compression.None : preferred;
    }

    private sealed class Totals
    {
        public long All, Incompressible;
        public readonly byte[] Sample = new byte[SampleSize];
    }

    private static void Visit(int dirfd, Totals totals)
    {
        foreach (var name in Dirs.List(dirfd))
        {
            var st = FileStat.Lstat(dirfd, name);
            if (st.IsDirectory)
            {
                int child = Dirs.OpenDirNoFollow(dirfd, name);
                try { Visit(child, totals); }
                finally { Libc.Close(child); }
            }
            else if (st.IsRegular)
            {
                totals.All += st.Size;
                if (st.Size >= MinSampledFile && SampleIsIncompressible(dirfd, name, st.Size, totals.Sample)) totals.Incompressible += st.Size;
            }
        }
    }

    /// <summary>Reads a window from the middle of the file (past headers) and probes it.</summary>
    private static bool SampleIsIncompressible(int dirfd, string name, long size, byte[] sample)
    {
        int fd = Libc.OpenAt(dirfd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0) return false; // unreadable here: the layer writer reports it
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        int n = RandomAccess.Read(handle, sample, Math.Max(0, size / 2 - SampleSize / 2));
        return n == SampleSize && CompressibilityProbe.IsIncompressible(sample);
    }
}
