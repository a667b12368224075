namespace Kist.Runtime.Bundle;

/// <summary>
/// Docker's init layer: the mount points every container's runtime needs in the root filesystem (/proc, /dev, /sys,
/// and the /etc files that the generated hostname, hosts and resolv.conf are bind-mounted over) and docker's markers
/// (/.dockerenv, /etc/mtab), made once in a read-only layer between the image and the container's read-write layer.
/// Without it runc creates the mount points at every start in the fresh read-write layer (copying /etc up), and they
/// are deleted again with the container. Docker makes the same entries, one layer per container.
/// </summary>
public static class InitLayer
{
    private const UnixFileMode Mode = (UnixFileMode)0b111_101_101; // 0755, as docker and runc create them

    private enum Kind { Directory, File, LinkToProcMounts }

    private static readonly (string Path, Kind Kind)[] Entries =
    [
        ("dev/pts", Kind.Directory), ("dev/shm", Kind.Directory), ("proc", Kind.Directory), ("sys", Kind.Directory),
        (".dockerenv", Kind.File), ("etc/resolv.conf", Kind.File), ("etc/hosts", Kind.File), ("etc/hostname", Kind.File),
        ("dev/console", Kind.File), ("etc/mtab", Kind.LinkToProcMounts),
    ];

    /// <summary>
    /// Creates what is missing under <paramref name="rootfs"/> (a mounted image): never through a symbolic link of the
    /// image, and never over anything the image has. What is left out is created by the runtime at start, as before.
    /// </summary>
    public static void Populate(string rootfs)
    {
        foreach (var (path, kind) in Entries)
        {
            var parts = path.Split('/');
            string current = rootfs;
            bool reachable = true;
            foreach (var parent in parts[..^1])
            {
                current = Path.Combine(current, parent);
                if (!ExistsInAnyForm(current)) CreateDirectory(current);
                else if (!IsRealDirectory(current)) { reachable = false; break; }
            }
            string target = Path.Combine(current, parts[^1]);
            if (!reachable || ExistsInAnyForm(target)) continue;
            switch (kind)
            {
                case Kind.Directory:
                    CreateDirectory(target);
                    break;
                case Kind.File:
                    // CreateNew is O_EXCL: it never follows a link that appeared at the path.
                    using (new FileStream(target, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Mode })) { }
                    File.SetUnixFileMode(target, Mode);
                    break;
                case Kind.LinkToProcMounts:
                    File.CreateSymbolicLink(target, "/proc/mounts");
                    break;
            }
        }
    }

    private static void CreateDirectory(string path)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Mode);
    }

    private static bool ExistsInAnyForm(string path)
    {
        var info = new FileInfo(path);
        return info.Exists || info.LinkTarget is not null || Directory.Exists(path);
    }

    private static bool IsRealDirectory(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && info.LinkTarget is null;
    }
}
