using Kist.Content;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>kist system prune</c> removes what its warning lists, as docker's does: stopped containers, dangling (or with
/// <c>-a</c> unused) images, anonymous volumes with <c>--volumes</c>, and the unpacked layers nothing needs any more;
/// <c>rmi</c> and <c>image prune</c> take the layers of the images they delete, as docker's do.
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

        // Removed while a pull or build holds the GC lock, the image leaves its unpacked layer to a prune (rmi does not
        // wait); --volumes takes the anonymous volume only.
        using (FileLock.Shared(new StoreLayout(_root.Path).GcLock)) (await Kist("rmi", image)).ShouldSucceed();
        Assert.NotEmpty(Snapshots());
        var second = (await Kist("system", "prune", "-f", "--volumes")).ShouldSucceed().Stdout;
        Assert.StartsWith($"Deleted Volumes:\n{anonymous}\n\n", second);
        Assert.Equal(["named"], (await Kist("volume", "ls", "-q")).ShouldSucceed().Lines);
        Assert.Empty(Snapshots());
    }

    [Fact]
    public async Task Rmi_and_image_prune_remove_the_unpacked_layers_no_other_image_needs()
    {
        string tar = _root.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        (await Kist("import", tar, "kist-sysprune/a:1")).ShouldSucceed();
        (await Kist("import", "-c", "CMD [\"sh\"]", tar, "kist-sysprune/b:1")).ShouldSucceed(); // the same layer
        (await Kist("run", "--rm", "--network", "none", "kist-sysprune/a:1", "busybox", "true")).ShouldSucceed();
        Assert.NotEmpty(Snapshots());

        (await Kist("rmi", "kist-sysprune/a:1")).ShouldSucceed();
        Assert.NotEmpty(Snapshots()); // b:1 stands on the layer
        (await Kist("rmi", "kist-sysprune/b:1")).ShouldSucceed();
        Assert.Empty(Snapshots());

        (await Kist("import", tar, "kist-sysprune/c:1")).ShouldSucceed();
        (await Kist("run", "--rm", "--network", "none", "kist-sysprune/c:1", "busybox", "true")).ShouldSucceed();
        (await Kist("tag", "kist-sysprune/c:1", "kist-sysprune/c:2")).ShouldSucceed();
        (await Kist("rmi", "kist-sysprune/c:1")).ShouldSucceed(); // untagged only
        Assert.NotEmpty(Snapshots());
        Assert.Contains("deleted: sha256:", (await Kist("image", "prune", "-a", "-f")).ShouldSucceed().Stdout);
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
