using System.Security.Cryptography;
using Kist.Layers.Apply;
using Kist.Layers.Tests.Apply;
using Kist.Layers.Tests.Support;
using Kist.Oci;
using Kist.Snapshots;

namespace Kist.Layers.Tests.Snapshots;

/// <summary>The snapshotter contract: every implementation runs this same suite.</summary>
public abstract class SnapshotterConformance : IDisposable
{
    private readonly TempDir _tmp;
    protected readonly ISnapshotter Snapshotter;

    protected SnapshotterConformance(string name)
    {
        _tmp = new TempDir("snap-" + name);
        Snapshotter = Create(_tmp.Sub("root"));
    }

    protected abstract ISnapshotter Create(string root);

    public void Dispose() => _tmp.Dispose();

    private async Task<T> WithMounted<T>(IReadOnlyList<Kist.Snapshots.Mount> mounts, Func<string, T> action)
    {
        var target = Directory.CreateTempSubdirectory("kist-mnt-").FullName;
        MountHelper.MountAll(mounts, target);
        try { return await Task.Run(() => action(target)); }
        finally
        {
            MountHelper.Unmount(target);
            Directory.Delete(target);
        }
    }

    private Task<T> WithView<T>(string parent, Func<string, T> action) => WithViewAsync(parent, action);

    private async Task<T> WithViewAsync<T>(string parent, Func<string, T> action)
    {
        string key = "view-" + Guid.NewGuid().ToString("N");
        var mounts = await Snapshotter.ViewAsync(key, parent);
        try { return await WithMounted(mounts, action); }
        finally { await Snapshotter.RemoveAsync(key); }
    }

    [Fact]
    public async Task PrepareWriteCommitView()
    {
        var m = await Snapshotter.PrepareAsync("active-1", null);
        await WithMounted(m, dir => { File.WriteAllText(Path.Combine(dir, "hello"), "world"); return 0; });
        await Snapshotter.CommitAsync("base", "active-1");
        Assert.Equal(SnapshotKind.Committed, (await Snapshotter.StatAsync("base"))!.Kind);
        Assert.Null(await Snapshotter.StatAsync("active-1"));
        await WithView("base", dir =>
        {
            Assert.Equal("world", File.ReadAllText(Path.Combine(dir, "hello")));
            Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(dir, "nope"), "x"));
            return 0;
        });

        var c = await Snapshotter.PrepareAsync("active-2", "base");
        await WithMounted(c, dir =>
        {
            Assert.Equal("world", File.ReadAllText(Path.Combine(dir, "hello")));
            File.Delete(Path.Combine(dir, "hello"));
            File.WriteAllText(Path.Combine(dir, "second"), "2");
            return 0;
        });
        await Snapshotter.CommitAsync("child", "active-2");
        await WithView("child", dir =>
        {
            Assert.False(File.Exists(Path.Combine(dir, "hello")));
            Assert.Equal("2", File.ReadAllText(Path.Combine(dir, "second")));
            return 0;
        });
        await WithView("base", dir => { Assert.True(File.Exists(Path.Combine(dir, "hello"))); return 0; });
        var again = await Snapshotter.MountsAsync("view-missing").AsTask().ContinueWith(t => t.Exception);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task A_volatile_mount_commits_what_was_written_and_the_child_sees_it()
    {
        var m = await Snapshotter.PrepareAsync("volatile-1", null);
        var target = Directory.CreateTempSubdirectory("kist-mnt-").FullName;
        MountHelper.MountAllVolatile(m, target);
        try
        {
            File.WriteAllText(Path.Combine(target, "written"), "kept");
            bool overlay = m is [{ Type: "overlay" }];
            string options = File.ReadAllLines("/proc/self/mountinfo").Single(l => l.Split(' ')[4] == target);
            Assert.Equal(overlay, options.Contains("volatile", StringComparison.Ordinal));
        }
        finally
        {
            MountHelper.Unmount(target);
            Directory.Delete(target);
        }
        await Snapshotter.CommitAsync("volatile-base", "volatile-1");
        await Snapshotter.PrepareAsync("volatile-2", "volatile-base");
        await WithMounted(await Snapshotter.MountsAsync("volatile-2"), dir => { Assert.Equal("kept", File.ReadAllText(Path.Combine(dir, "written"))); return 0; });
    }

    [Fact]
    public async Task RemoveRefusesWhileChildrenExist()
    {
        await Snapshotter.PrepareAsync("a", null);
        await Snapshotter.CommitAsync("base", "a");
        await Snapshotter.PrepareAsync("b", "base");
        await Assert.ThrowsAsync<ConflictException>(() => Snapshotter.RemoveAsync("base").AsTask());
        await Snapshotter.RemoveAsync("b");
        await Snapshotter.RemoveAsync("base");
        Assert.Empty(await Snapshotter.ListAsync().ToListAsync());
        await Assert.ThrowsAsync<NotFoundException>(() => Snapshotter.RemoveAsync("base").AsTask());
    }

    [Fact]
    public async Task UnlistFreesTheKeyAtOnceAndLeavesTheFilesToTheReturnedAction()
    {
        string snapshots = Path.Combine(_tmp.Sub("root"), "snapshots");
        int Entries() => Directory.Exists(snapshots) ? Directory.GetFileSystemEntries(snapshots).Length : 0;
        await Snapshotter.PrepareAsync("base-a", null);
        await Snapshotter.CommitAsync("base", "base-a");
        var mounts = await Snapshotter.PrepareAsync("rw", "base");
        await WithMounted(mounts, dir => { File.WriteAllText(Path.Combine(dir, "written"), "x"); return 0; });
        int before = Entries();

        await Assert.ThrowsAsync<ConflictException>(() => Snapshotter.UnlistAsync("base").AsTask());
        var deleteFiles = await Snapshotter.UnlistAsync("rw");
        Assert.Null(await Snapshotter.StatAsync("rw"));
        Assert.Equal(before, Entries()); // moved aside, not deleted yet
        await Snapshotter.PrepareAsync("rw", "base"); // the key is free at once
        Assert.Equal(before + 1, Entries());
        deleteFiles();
        Assert.Equal(before, Entries());
        await Assert.ThrowsAsync<NotFoundException>(() => Snapshotter.UnlistAsync("missing").AsTask());
    }

    [Fact]
    public async Task Files_a_removal_left_moved_aside_go_once_old()
    {
        string snapshots = Path.Combine(_tmp.Sub("root"), "snapshots");
        await Snapshotter.PrepareAsync("rw", null);
        await Snapshotter.UnlistAsync("rw"); // its deletion never runs: the process was killed
        var older = Directory.CreateDirectory(Path.Combine(snapshots, "rm-" + Guid.NewGuid().ToString("N"))); // named by a kist before
        File.WriteAllText(Path.Combine(older.FullName, "f"), "x");
        Assert.Equal(2, Directory.GetDirectories(snapshots, "rm-*").Length);

        Assert.Equal(1, await Snapshotter.RemoveLeftoversAsync(TimeSpan.FromMinutes(10))); // the fresh one may be under way
        Assert.Single(Directory.GetDirectories(snapshots, "rm-*"));
        Assert.Equal(1, await Snapshotter.RemoveLeftoversAsync(TimeSpan.Zero));
        Assert.Empty(Directory.GetDirectories(snapshots, "rm-*"));
    }

    [Fact]
    public async Task ContractErrors()
    {
        await Snapshotter.PrepareAsync("a", null);
        await Assert.ThrowsAsync<ConflictException>(() => Snapshotter.PrepareAsync("a", null).AsTask());
        await Assert.ThrowsAsync<InvalidInputException>(() => Snapshotter.PrepareAsync("b", "a").AsTask());
        await Assert.ThrowsAsync<NotFoundException>(() => Snapshotter.PrepareAsync("c", "missing").AsTask());
        await Snapshotter.CommitAsync("base", "a");
        await Assert.ThrowsAsync<InvalidInputException>(() => Snapshotter.CommitAsync("x", "base").AsTask());
        await Snapshotter.ViewAsync("v", "base");
        await Assert.ThrowsAsync<InvalidInputException>(() => Snapshotter.CommitAsync("y", "v").AsTask());
        var list = await Snapshotter.ListAsync().ToListAsync();
        Assert.Equal(2, list.Count);
        Assert.Contains(list, i => i.Key == "v" && i.Kind == SnapshotKind.View && i.Parent == "base");
    }

    [Fact]
    public async Task UsageCountsTheSnapshotsOwnData()
    {
        var m = await Snapshotter.PrepareAsync("a", null);
        await WithMounted(m, dir => { File.WriteAllBytes(Path.Combine(dir, "f"), new byte[12345]); return 0; });
        var u = await Snapshotter.UsageAsync("a");
        Assert.Equal(12345, u.Size);
        Assert.Equal(1, u.Inodes);
    }

    private static LayerSource Layer(MemoryStream tar)
    {
        var bytes = tar.ToArray();
        return new LayerSource(Digest.Compute(bytes), _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));
    }

    [Fact]
    public async Task ImagesShareLayersByChainId()
    {
        var l1 = Layer(new TarBuilder().Dir("etc/").File("etc/passwd", "root\n").Dir("a/").File("a/x", "x").Build());
        var l2 = Layer(new TarBuilder().File("a/.wh.x", "").File("a/y", "y").Build());
        var l3 = Layer(new TarBuilder().File("img1", "1").Build());
        var l4 = Layer(new TarBuilder().File("img2", "2").Build());
        var top1 = await ImageUnpacker.UnpackAsync(Snapshotter, [l1, l2, l3]);
        var top2 = await ImageUnpacker.UnpackAsync(Snapshotter, [l1, l2, l4]);
        Assert.Equal(ImageUnpacker.ChainIds([l1.DiffId, l2.DiffId, l3.DiffId])[^1], top1);
        var list = await Snapshotter.ListAsync().ToListAsync();
        Assert.Equal(4, list.Count);
        Assert.All(list, i => Assert.Equal(SnapshotKind.Committed, i.Kind));
        await WithView(top2.ToString(), dir =>
        {
            Assert.False(File.Exists(Path.Combine(dir, "a", "x")));
            Assert.Equal("y", File.ReadAllText(Path.Combine(dir, "a", "y")));
            Assert.Equal("2", File.ReadAllText(Path.Combine(dir, "img2")));
            Assert.False(File.Exists(Path.Combine(dir, "img1")));
            return 0;
        });
        // Unpacking again is a no-op.
        Assert.Equal(top1, await ImageUnpacker.UnpackAsync(Snapshotter, [l1, l2, l3]));
        Assert.Equal(4, (await Snapshotter.ListAsync().ToListAsync()).Count);
    }

    [Fact]
    public async Task ConcurrentUnpacksOfTheSameImageAgree()
    {
        var layers = Enumerable.Range(0, 6).Select(i => Layer(new TarBuilder().File($"f{i}", new string('x', 100_000)).Build())).ToList();
        var tops = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => ImageUnpacker.UnpackAsync(Snapshotter, layers))));
        Assert.All(tops, t => Assert.Equal(tops[0], t));
        var list = await Snapshotter.ListAsync().ToListAsync();
        Assert.Equal(6, list.Count);
        Assert.All(list, i => Assert.Equal(SnapshotKind.Committed, i.Kind));
        await WithView(tops[0].ToString(), dir => { Assert.Equal(6, Directory.GetFiles(dir).Length); return 0; });
    }

    [Fact]
    public async Task WrongDiffIdLeavesNothingBehind()
    {
        var tar = new TarBuilder().File("f", "x").Build().ToArray();
        var bad = new LayerSource(Digest.Compute("other"u8), _ => ValueTask.FromResult<Stream>(new MemoryStream(tar)));
        await Assert.ThrowsAsync<DigestMismatchException>(() => ImageUnpacker.UnpackAsync(Snapshotter, [bad]));
        Assert.Empty(await Snapshotter.ListAsync().ToListAsync());
    }

    [Fact]
    public async Task ImagesWith128LayersMount()
    {
        var layers = Enumerable.Range(0, 128).Select(i => Layer(new TarBuilder().Dir("layers/").File($"layers/{i:D3}", i.ToString()).Build())).ToList();
        var top = await ImageUnpacker.UnpackAsync(Snapshotter, layers);
        int count = await WithView(top.ToString(), dir => Directory.GetFiles(Path.Combine(dir, "layers")).Length);
        Assert.Equal(128, count);
        // And a writable container snapshot on top of it.
        var m = await Snapshotter.PrepareAsync("container", top.ToString());
        await WithMounted(m, dir => { File.WriteAllText(Path.Combine(dir, "layers", "000"), "changed"); return 0; });
    }

    public static TheoryData<string> PeerCases() => PeerTarCasesTests.Cases();

    [Theory]
    [MemberData(nameof(PeerCases))]
    public async Task PeerTarCasesMatchDockerThroughTheSnapshotter(string name)
    {
        var dir = Repo.PeerData("tar-layer-cases");
        LayerSource FromFile(string f)
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, "generated", f));
            return new LayerSource(Digest.Compute(bytes), _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));
        }
        var baseTop = await ImageUnpacker.UnpackAsync(Snapshotter, [FromFile("base.tar")]);
        var before = await WithView(baseTop.ToString(), d => TreeScanner.Scan(d));
        bool ok = true;
        Digest top = default;
        try { top = await ImageUnpacker.UnpackAsync(Snapshotter, [FromFile("base.tar"), FromFile(name + ".tar")]); }
        catch (LayerApplyException) { ok = false; }
        if (!ok)
        {
            Assert.Single(await Snapshotter.ListAsync().ToListAsync());
            Assert.Null(PeerTarCasesTests.Compare(name, false, [], []));
            return;
        }
        var after = await WithView(top.ToString(), d => TreeScanner.Scan(d));
        var (changed, removed) = TreeScanner.Diff(before, after);
        var failure = PeerTarCasesTests.Compare(name, true, changed, removed);
        Assert.True(failure is null, failure);
    }
}

public sealed class OverlaySnapshotterTests() : SnapshotterConformance("overlay")
{
    protected override ISnapshotter Create(string root) => new OverlaySnapshotter(root);

    [Fact]
    public async Task DeepImagesNeedTheShortOptionForm()
    {
        var layers = Enumerable.Range(0, 128).Select(i =>
        {
            var bytes = new TarBuilder().File($"f{i}", i.ToString()).Build().ToArray();
            return new LayerSource(Digest.Compute(bytes), _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));
        }).ToList();
        var top = await ImageUnpacker.UnpackAsync(Snapshotter, layers);
        var view = await Snapshotter.ViewAsync("deep", top.ToString());
        // The absolute option string is more than a page: mount(2) alone would refuse it.
        Assert.True(string.Join(',', view[0].Options).Length > 4096);
        var target = Directory.CreateTempSubdirectory("kist-mnt-").FullName;
        MountHelper.MountAll(view, target);
        try { Assert.Equal("127", File.ReadAllText(Path.Combine(target, "f127"))); Assert.Equal("0", File.ReadAllText(Path.Combine(target, "f0"))); }
        finally { MountHelper.Unmount(target); Directory.Delete(target); }
    }
}

public sealed class CopySnapshotterTests() : SnapshotterConformance("copy")
{
    protected override ISnapshotter Create(string root) => new CopySnapshotter(root);
}
