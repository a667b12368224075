using System.Formats.Tar;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// A Kist root with two busybox test images (a plain one, CMD sh; and one with ENTRYPOINT and CMD) that docker
/// has loaded too (from <c>kist save</c>), so that both engines run the identical image. Removed afterwards.
/// </summary>
public sealed class ContainerImages : IAsyncLifetime
{
    private static readonly string[] Applets =
    [
        "sh", "id", "env", "hostname", "cat", "pwd", "true", "false", "sleep", "echo", "grep", "ls", "touch", "mkdir", "test",
        "httpd", "wc", "head", "ps", "kill", "tr",
    ];

    public TestRoot Root { get; } = new("kist-ctr-root");
    public TestRoot Scratch { get; } = new("kist-ctr-scratch");
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..12];
    public string Plain => $"kist-ctr-test-{_suffix}:plain";
    public string WithEntrypoint => $"kist-ctr-test-{_suffix}:ep";

    public async Task InitializeAsync()
    {
        string tar = Scratch.File("rootfs.tar");
        WriteRootfs(tar);
        (await KistAsync(Root.Path, "import", "-c", "CMD [\"sh\"]", "-c", "ENV KIST_TEST=1", tar, Plain)).ShouldSucceed();
        (await KistAsync(Root.Path, "import", "-c", "ENTRYPOINT [\"echo\", \"ep\"]", "-c", "CMD [\"default\"]", tar, WithEntrypoint)).ShouldSucceed();
        string saved = Scratch.File("images.tar");
        (await KistAsync(Root.Path, "save", "-o", saved, Plain, WithEntrypoint)).ShouldSucceed();
        (await Docker.RunAsync("load", "-i", saved)).ShouldSucceed();
    }

    public async Task DisposeAsync()
    {
        await Docker.RemoveImagesAsync(Plain, WithEntrypoint);
        await ContainerLeaks.CleanUpAsync(Root.Path);
        Root.Dispose();
        Scratch.Dispose();
    }

    /// <summary>busybox with applet links, a passwd with root and alice, groups with supplementary members, /home/alice.</summary>
    private static void WriteRootfs(string path)
    {
        if (!File.Exists(Rootfs.BusyboxPath)) throw new InvalidOperationException($"{Rootfs.BusyboxPath} is missing: install busybox-static (scripts/setup.sh)");
        using var output = File.Create(path);
        using var tar = new TarWriter(output, TarEntryFormat.Pax);
        var mtime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var dirMode = (UnixFileMode)Convert.ToInt32("755", 8);
        foreach (var dir in new[] { "bin/", "etc/", "tmp/", "root/", "home/", "home/alice/" })
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = dir == "tmp/" ? (UnixFileMode)Convert.ToInt32("1777", 8) : dirMode, ModificationTime = mtime });
        using (var busybox = File.OpenRead(Rootfs.BusyboxPath))
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { DataStream = busybox, Mode = dirMode, ModificationTime = mtime });
        foreach (var applet in Applets)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", ModificationTime = mtime });
        AddFile(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:alice:/home/alice:/bin/sh\n", mtime);
        AddFile(tar, "etc/group", "root:x:0:\nwheel:x:10:alice\nstaff:x:50:alice,bob\nalice:x:1000:\n", mtime);
    }

    private static void AddFile(TarWriter tar, string name, string content, DateTimeOffset mtime) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), Mode = (UnixFileMode)Convert.ToInt32("644", 8), ModificationTime = mtime,
        });
}
