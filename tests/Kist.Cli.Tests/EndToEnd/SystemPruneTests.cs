using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>kist system prune</c> removes what its warning lists, as docker's does: stopped containers, dangling (or with
/// <c>-a</c> unused) images, anonymous volumes with <c>--volumes</c>, and the unpacked layers nothing needs any more.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SystemPruneTests : IDisposable
{
    private readonly TestRoot _root = new("kist-sysprune");

    public void Dispose()
    {
        ContainerLeaks.CleanUpAsync(_root.Path).GetAwaiter().GetResult();
        _root.Dispose();
    }

    private Task<RunResult> Kist(params string[] args) => KistAsync(_root.Path, args);

    [Fact]
    public async Task Removes_stopped_containers_anonymous_volumes_with_volumes_and_the_layers_of_removed_images()
    {
        string tar = _root.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        const string image = "kist-sysprune/img:1";
        (await Kist("import", tar, image)).ShouldSucceed();
        (await Kist("volume", "create", "named")).ShouldSucceed();
        string id = (await Kist("run", "-d", "--network", "none", "-v", "/anonymous", "-v", "named:/named", image, "busybox", "true"))
            .ShouldSucceed().Stdout.Trim();
        Assert.Equal("0\n", (await Kist("wait", id)).ShouldSucceed().Stdout);
        var volumes = (await Kist("volume", "ls", "-q")).ShouldSucceed().Lines;
        string anonymous = Assert.Single(volumes, v => v != "named");
        Assert.NotEmpty(Snapshots());

        // Without --volumes: the stopped container goes, its volumes and the image (not dangling) stay.
        var first = (await Kist("system", "prune", "-f")).ShouldSucceed().Stdout;
        Assert.StartsWith($"Deleted Containers:\n{id}\n\n", first);
        Assert.Empty((await Kist("ps", "-aq")).ShouldSucceed().Lines);
        Assert.Equal(volumes, (await Kist("volume", "ls", "-q")).ShouldSucceed().Lines);
        Assert.Single((await Kist("images", "-q")).ShouldSucceed().Lines);

        // The image removed, its unpacked layer is left for a prune; --volumes takes the anonymous volume only.
        (await Kist("rmi", image)).ShouldSucceed();
        Assert.NotEmpty(Snapshots());
        var second = (await Kist("system", "prune", "-f", "--volumes")).ShouldSucceed().Stdout;
        Assert.StartsWith($"Deleted Volumes:\n{anonymous}\n\n", second);
        Assert.Equal(["named"], (await Kist("volume", "ls", "-q")).ShouldSucceed().Lines);
        Assert.Empty(Snapshots());
    }

    /// <summary>The snapshots in the root's snapshotters (a layer unpacked for a container, the container's own layer).</summary>
    private string[] Snapshots()
    {
        string snapshotters = Path.Combine(_root.Path, "snapshots");
        return [.. Directory.GetDirectories(snapshotters).SelectMany(s => Directory.Exists(Path.Combine(s, "snapshots"))
            ? Directory.GetDirectories(Path.Combine(s, "snapshots")) : [])];
    }
}
