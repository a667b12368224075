using System.Formats.Tar;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>Small root filesystems for test images, made from the machine's busybox-static.</summary>
public static class Rootfs
{
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>A tarball with busybox and a few applet links: enough for <c>docker run IMAGE echo hi</c>.</summary>
    public static void WriteBusyboxTar(string path, string? extraFile = null, int extraSize = 0)
    {
        if (!File.Exists(BusyboxPath)) throw new InvalidOperationException($"{BusyboxPath} is missing: install busybox-static (scripts/setup.sh)");
        using var output = File.Create(path);
        using var tar = new TarWriter(output, TarEntryFormat.Pax);
        var mtime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var dir in new[] { "bin/", "etc/", "tmp/" })
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = (UnixFileMode)Convert.ToInt32("755", 8), ModificationTime = mtime });
        }
        using (var busybox = File.OpenRead(BusyboxPath))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox")
            {
                DataStream = busybox, Mode = (UnixFileMode)Convert.ToInt32("755", 8), ModificationTime = mtime,
            });
        }
        foreach (var applet in new[] { "sh", "echo", "cat", "ls", "true" })
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", ModificationTime = mtime });
        }
        if (extraFile is not null)
        {
            var bytes = new byte[extraSize];
            new Random(extraSize).NextBytes(bytes);
            var data = new MemoryStream(bytes);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, extraFile) { DataStream = data, Mode = (UnixFileMode)Convert.ToInt32("644", 8), ModificationTime = mtime });
        }
    }
}
