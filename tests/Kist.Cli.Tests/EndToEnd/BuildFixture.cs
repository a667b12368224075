using System.Diagnostics;
using System.Formats.Tar;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// A Kist root with a busybox base image (every applet linked, root and alice in /etc/passwd) for build tests,
/// under a unique name; the root and any docker image a test loads are removed afterwards.
/// </summary>
public sealed class BuildFixture : IAsyncLifetime
{
    public TestRoot Root { get; } = new("kist-build-root");
    public TestRoot Scratch { get; } = new("kist-build-scratch");
    public string Base { get; } = $"kist-build-base-{Guid.NewGuid().ToString("N")[..10]}:1";
    public List<string> DockerImages { get; } = [];

    public async Task InitializeAsync()
    {
        string tar = Scratch.File("base.tar");
        await WriteBusyboxRootfsAsync(tar);
        (await KistAsync(Root.Path, "import", "-c", "CMD [\"sh\"]", tar, Base)).ShouldSucceed();
    }

    public async Task DisposeAsync()
    {
        await Docker.RemoveImagesAsync([.. DockerImages]);
        await ContainerLeaks.CleanUpAsync(Root.Path);
        Root.Dispose();
        Scratch.Dispose();
    }

    private static async Task WriteBusyboxRootfsAsync(string path)
    {
        if (!File.Exists(Rootfs.BusyboxPath)) throw new InvalidOperationException($"{Rootfs.BusyboxPath} is missing: install busybox-static (scripts/setup.sh)");
        var list = Process.Start(new ProcessStartInfo(Rootfs.BusyboxPath, "--list") { RedirectStandardOutput = true })!;
        var applets = (await list.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await list.WaitForExitAsync();
        await using var output = File.Create(path);
        await using var tar = new TarWriter(output, TarEntryFormat.Pax);
        var mtime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var mode = (UnixFileMode)Convert.ToInt32("755", 8);
        foreach (var dir in new[] { "bin/", "etc/", "tmp/", "root/", "home/", "home/alice/" })
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = dir == "tmp/" ? (UnixFileMode)Convert.ToInt32("1777", 8) : mode, ModificationTime = mtime });
        await using (var busybox = File.OpenRead(Rootfs.BusyboxPath))
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { DataStream = busybox, Mode = mode, ModificationTime = mtime });
        foreach (var applet in applets.Where(a => a != "busybox"))
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", ModificationTime = mtime });
        foreach (var (name, content) in new[]
                 {
                     ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:alice:/home/alice:/bin/sh\n"),
                     ("etc/group", "root:x:0:\nalice:x:1000:\n"),
                 })
        {
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), Mode = (UnixFileMode)Convert.ToInt32("644", 8), ModificationTime = mtime,
            });
        }
    }
}
