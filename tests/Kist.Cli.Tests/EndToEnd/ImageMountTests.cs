using System.Security.Cryptography;
using System.Text;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>kist image mount|unmount|unpack</c> end to end: an image docker builds (deletions, renames, hardlinks,
/// symlinks across layers), saved by docker and loaded by kist, gives the tree <c>docker export</c> gives.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ImageMountTests : IDisposable
{
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _scratch = new("kist-scratch");
    private readonly string _tag = "kist-mount-test:" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        Docker.RemoveImagesAsync(_tag).GetAwaiter().GetResult();
        _root.Dispose();
        _scratch.Dispose();
    }

    private static bool Noise(string p) =>
        p is ".dockerenv" or "dev" or "proc" or "sys" or "etc" or "etc/hostname" or "etc/hosts" or "etc/resolv.conf" or "etc/mtab" ||
        p.StartsWith("dev/", StringComparison.Ordinal) || p.StartsWith("proc/", StringComparison.Ordinal) || p.StartsWith("sys/", StringComparison.Ordinal);

    /// <summary>path → type, mode, owner-independent size, content hash or link target.</summary>
    private static SortedDictionary<string, string> Tree(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var info in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string rel = Path.GetRelativePath(root, info.FullName);
            if (Noise(rel)) continue;
            string mode = Convert.ToString((int)info.UnixFileMode, 8);
            result[rel] = info switch
            {
                _ when info.LinkTarget is { } target => "link " + target,
                DirectoryInfo => "dir " + mode,
                FileInfo f when f.Attributes.HasFlag(FileAttributes.Device) => "device " + mode,
                FileInfo f => $"file {mode} {f.Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f.FullName)))[..16]}",
                _ => "other",
            };
        }
        return result;
    }

    private static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual)
    {
        var diff = new StringBuilder();
        foreach (var (k, v) in expected)
            if (!actual.TryGetValue(k, out var a)) diff.AppendLine($"missing {k}: {v}");
            else if (a != v) diff.AppendLine($"{k}: expected {v}, got {a}");
        foreach (var k in actual.Keys) if (!expected.ContainsKey(k)) diff.AppendLine($"extra {k}: {actual[k]}");
        Assert.True(diff.Length == 0, diff.ToString());
        Assert.True(expected.Count > 10);
    }

    [Fact]
    public async Task Mount_and_unpack_give_the_tree_docker_exports()
    {
        string context = Path.Combine(_scratch.Path, "ctx");
        Directory.CreateDirectory(context);
        Rootfs.WriteBusyboxTar(Path.Combine(context, "rootfs.tar"));
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM scratch
            ADD rootfs.tar /
            RUN ["/bin/busybox", "sh", "-c", "mkdir -p /data/sub && echo one > /data/a && /bin/busybox ln /data/a /data/hard && /bin/busybox ln -s a /data/sym && echo x > /data/sub/x"]
            RUN ["/bin/busybox", "sh", "-c", "rm -rf /data/sub && /bin/busybox mv /data/a /data/moved && echo two >> /data/moved && /bin/busybox chmod 4755 /data/moved"]
            """);
        (await Docker.BuildAsync(_tag, context)).ShouldSucceed();
        string saved = Path.Combine(_scratch.Path, "image.tar");
        (await Docker.RunAsync("save", "-o", saved, _tag)).ShouldSucceed();
        (await KistAsync(_root.Path, "load", "-i", saved)).ShouldSucceed();

        string container = (await Docker.RunAsync("create", _tag, "/bin/busybox", "true")).ShouldSucceed().Stdout.Trim();
        string exported = Path.Combine(_scratch.Path, "export");
        Directory.CreateDirectory(exported);
        try
        {
            string tar = Path.Combine(_scratch.Path, "export.tar");
            (await Docker.RunAsync("export", "-o", tar, container)).ShouldSucceed();
            (await ToolAsync("tar", ["-xpf", tar, "-C", exported])).ShouldSucceed();
        }
        finally { await Docker.RunAsync("rm", "-f", container); }
        var expected = Tree(exported);

        string unpacked = Path.Combine(_scratch.Path, "unpacked");
        (await KistAsync(_root.Path, "image", "unpack", _tag, unpacked)).ShouldSucceed();
        AssertSame(expected, Tree(unpacked));
        Assert.NotEqual(0, (await KistAsync(_root.Path, "image", "unpack", _tag, unpacked)).ExitCode);

        string mountPoint = (await KistAsync(_root.Path, "image", "mount", _tag)).ShouldSucceed().Stdout.Trim();
        try
        {
            AssertSame(expected, Tree(mountPoint));
            Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(mountPoint, "new"), "x"));
            Assert.Equal(mountPoint, (await KistAsync(_root.Path, "image", "mount", _tag)).ShouldSucceed().Stdout.Trim());
        }
        finally { (await KistAsync(_root.Path, "image", "unmount", _tag)).ShouldSucceed(); }
        Assert.False(Directory.Exists(mountPoint));
        Assert.NotEqual(0, (await KistAsync(_root.Path, "image", "unmount", _tag)).ExitCode);
    }
}
