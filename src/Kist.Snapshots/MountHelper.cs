using Kist.Layers.Native;
using Kist.Oci;

namespace Kist.Snapshots;

/// <summary>
/// Mounts what a snapshotter describes, with mount(2) (no helper process, no chdir). Overlay option strings longer
/// than a page (deep images) are shortened by naming the common parent of the layers through /proc/self/fd.
/// </summary>
public static class MountHelper
{
    private const int PageLimit = 4000;

    public static void MountAll(IReadOnlyList<Mount> mounts, string target)
    {
        foreach (var m in mounts) MountOne(m, target);
    }

    /// <summary>
    /// Mounts like <see cref="MountAll"/>, an overlay with <c>volatile</c>: unmounting it then skips syncing the whole
    /// upper file system (a 200 MB RUN waited 200 ms for it). Only for an upper dir that a crash may lose (a build
    /// step's, a <c>--rm</c> container's). Its files, like the store's blobs and unpacked layers, reach the disk by
    /// writeback. Kernels before 5.10 refuse the option: mount without it.
    /// </summary>
    public static void MountAllVolatile(IReadOnlyList<Mount> mounts, string target)
    {
        if (mounts is [{ Type: "overlay" } overlay])
        {
            // A restarted --rm container mounts its upper dir again. overlayfs leaves a marker that refuses that, since
            // after a crash the upper dir may lack what was never written back; it was unmounted cleanly (a crash
            // ends a --rm container anyway), so the marker goes.
            if (overlay.Option("workdir") is { } workdir)
            {
                string marker = Path.Combine(workdir, "work", "incompat", "volatile");
                if (Directory.Exists(marker)) Directory.Delete(marker, recursive: true);
            }
            try
            {
                MountOne(overlay with { Options = [.. overlay.Options, "volatile"] }, target);
                return;
            }
            catch (NativeException e) when (e.Errno == Libc.EINVAL) { }
        }
        MountAll(mounts, target);
    }

    public static void MountOne(Mount m, string target)
    {
        bool ro = m.Options.Contains("ro");
        if (m.Type == "bind")
        {
            ulong flags = Libc.MS_BIND | (m.Options.Contains("rbind") ? Libc.MS_REC : 0);
            Check(Libc.Mount(m.Source, target, null, flags, null), "bind mount", target);
            if (ro) Check(Libc.Mount(null, target, null, Libc.MS_BIND | Libc.MS_REMOUNT | Libc.MS_RDONLY, null), "remount read-only", target);
            return;
        }
        var options = m.Options.Where(o => o is not ("ro" or "rw")).ToList();
        string data = string.Join(',', options);
        int fd = -1;
        try
        {
            if (data.Length > PageLimit && m.Type == "overlay") (data, fd) = Compact(options);
            Check(Libc.Mount(m.Source, target, m.Type, ro ? Libc.MS_RDONLY : 0, data), "mount " + m.Type, target);
        }
        finally { if (fd >= 0) Libc.Close(fd); }
    }

    private static (string Data, int Fd) Compact(List<string> options)
    {
        var paths = options.Where(o => o.StartsWith("lowerdir=", StringComparison.Ordinal))
            .SelectMany(o => o["lowerdir=".Length..].Split(':'))
            .Concat(options.Where(o => o.StartsWith("upperdir=", StringComparison.Ordinal) || o.StartsWith("workdir=", StringComparison.Ordinal))
                .Select(o => o[(o.IndexOf('=') + 1)..]))
            .ToList();
        string common = Path.GetDirectoryName(paths[0])!;
        while (!paths.All(p => p.StartsWith(common + "/", StringComparison.Ordinal))) common = Path.GetDirectoryName(common)!;
        int fd = Libc.OpenAt(Libc.AT_FDCWD, common, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new NativeException("open", common, Libc.Errno);
        string prefix = $"/proc/self/fd/{fd}/";
        string Short(string p) => prefix + p[(common.Length + 1)..];
        var rewritten = options.Select(o =>
        {
            int eq = o.IndexOf('=');
            if (eq < 0) return o;
            string key = o[..eq], value = o[(eq + 1)..];
            return key switch
            {
                "lowerdir" => "lowerdir=" + string.Join(':', value.Split(':').Select(Short)),
                "upperdir" or "workdir" => key + "=" + Short(value),
                _ => o,
            };
        });
        string data = string.Join(',', rewritten);
        if (data.Length > PageLimit + 90) { Libc.Close(fd); throw new InvalidInputException($"too many layers to mount ({data.Length} bytes of options)"); }
        return (data, fd);
    }

    /// <summary>Unmounts <paramref name="target"/> (and everything stacked on it).</summary>
    public static void Unmount(string target)
    {
        while (Libc.Umount2(target, 0) == 0) { }
        int e = Libc.Errno;
        if (e == Libc.EBUSY) Check(Libc.Umount2(target, Libc.MNT_DETACH), "unmount", target);
        else if (e != Libc.EINVAL && e != Libc.ENOENT) throw new NativeException("unmount", target, e);
    }

    private static void Check(int rc, string what, string target)
    {
        if (rc != 0) throw new NativeException(what, target, Libc.Errno);
    }
}
