using Kist.Runtime.Bundle;

namespace Kist.Runtime.Tests.Bundle;

public sealed class InitLayerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kist-init-" + Guid.NewGuid().ToString("N"));
    private string Rootfs => Path.Combine(_directory, "rootfs");
    private string Outside => Path.Combine(_directory, "outside");

    public InitLayerTests()
    {
        Directory.CreateDirectory(Rootfs);
        Directory.CreateDirectory(Outside);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void An_empty_root_gets_docker_s_init_layer()
    {
        InitLayer.Populate(Rootfs);
        foreach (var dir in new[] { "proc", "dev", "dev/pts", "dev/shm", "sys", "etc" })
        {
            Assert.True(Directory.Exists(Path.Combine(Rootfs, dir)), dir);
            Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(Rootfs, dir)));
        }
        foreach (var file in new[] { ".dockerenv", "etc/hostname", "etc/hosts", "etc/resolv.conf", "dev/console" })
        {
            var info = new FileInfo(Path.Combine(Rootfs, file));
            Assert.True(info.Exists, file);
            Assert.Equal(0, info.Length);
            Assert.Equal((UnixFileMode)0b111_101_101, info.UnixFileMode);
        }
        Assert.Equal("/proc/mounts", new FileInfo(Path.Combine(Rootfs, "etc", "mtab")).LinkTarget);
        Assert.Equal([".dockerenv", "dev", "etc", "proc", "sys"], Directory.GetFileSystemEntries(Rootfs).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void What_the_image_has_is_kept_as_it_is()
    {
        Directory.CreateDirectory(Path.Combine(Rootfs, "etc"));
        File.SetUnixFileMode(Path.Combine(Rootfs, "etc"), (UnixFileMode)0b111_000_000);
        File.WriteAllText(Path.Combine(Rootfs, "etc", "hosts"), "the image's own\n");
        File.CreateSymbolicLink(Path.Combine(Rootfs, "etc", "resolv.conf"), "/run/resolv.conf"); // dangling
        File.WriteAllText(Path.Combine(Rootfs, "proc"), "a file, not a directory");

        InitLayer.Populate(Rootfs);

        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(Path.Combine(Rootfs, "etc")));
        Assert.Equal("the image's own\n", File.ReadAllText(Path.Combine(Rootfs, "etc", "hosts")));
        Assert.Equal("/run/resolv.conf", new FileInfo(Path.Combine(Rootfs, "etc", "resolv.conf")).LinkTarget);
        Assert.Equal("a file, not a directory", File.ReadAllText(Path.Combine(Rootfs, "proc")));
        Assert.True(File.Exists(Path.Combine(Rootfs, "etc", "hostname")));
    }

    [Fact]
    public void Links_of_the_image_are_never_followed_out_of_it()
    {
        File.CreateSymbolicLink(Path.Combine(Rootfs, "etc"), Outside);
        File.CreateSymbolicLink(Path.Combine(Rootfs, "dev"), Outside);
        File.CreateSymbolicLink(Path.Combine(Rootfs, "sys"), Path.Combine(Outside, "sys"));
        File.CreateSymbolicLink(Path.Combine(Rootfs, ".dockerenv"), Path.Combine(Outside, "dockerenv"));

        InitLayer.Populate(Rootfs);

        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Equal(Outside, new FileInfo(Path.Combine(Rootfs, "etc")).LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(Rootfs, "proc")));
    }
}
