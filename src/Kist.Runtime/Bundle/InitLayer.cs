namespace Kist.Runtime.Bundle;

/// <summary>
/// The mount points every container's runtime needs in the root filesystem (/proc, /dev and /sys, and the /etc files
/// that the generated hostname, hosts and resolv.conf are bind-mounted over), made once in a read-only layer between
/// the image and the container's read-write layer, as docker's init layer. Without it runc creates them at every
/// start in the fresh read-write layer (copying /etc up), and they are deleted again with the container.
/// </summary>
public static class InitLayer
{
    private const UnixFileMode Mode = (UnixFileMode)0b111_101_101; // 0755, as runc creates mount points

    private static readonly string[] Directories = ["proc", "dev", "sys"];
    private static readonly string[] EtcFiles = ["hostname", "hosts", "resolv.conf"];

    /// <summary>
    /// Creates what is missing under <paramref name="rootfs"/> (a mounted image): never through a symbolic link of the
    /// image, and never over anything the image has. What is left out is created by the runtime at start, as before.
    /// </summary>
    public static void Populate(string rootfs)
    {
        foreach (var name in Directories) CreateDirectoryIfAbsent(Path.Combine(rootfs, name));
        string etc = Path.Combine(rootfs, "etc");
        if (!CreateDirectoryIfAbsent(etc) && !IsRealDirectory(etc)) return;
        foreach (var name in EtcFiles)
        {
            string path = Path.Combine(etc, name);
            if (ExistsInAnyForm(path)) continue;
            // CreateNew is O_EXCL: it never follows a link that appeared at the path.
            using (new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Mode })) { }
            File.SetUnixFileMode(path, Mode);
        }
    }

    private static bool CreateDirectoryIfAbsent(string path)
    {
        if (ExistsInAnyForm(path)) return false;
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Mode);
        return true;
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
