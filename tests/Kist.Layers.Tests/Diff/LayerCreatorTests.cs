using Kist.Layers.Apply;
using Kist.Layers.Compression;
using Kist.Layers.Diff;
using Kist.Layers.Native;
using Kist.Layers.Tar;
using Kist.Layers.Tests.Support;
using Kist.Snapshots;

namespace Kist.Layers.Tests.Diff;

public sealed class LayerCreatorTests : IDisposable
{
    private readonly TempDir _tmp = new("create");

    public void Dispose() => _tmp.Dispose();

    private static SortedDictionary<string, FileRecord> Scan(string dir) => TreeScanner.Scan(dir, withXattrs: true, withMtime: true);

    [Theory]
    [InlineData(Oci.Compression.Gzip)]
    [InlineData(Oci.Compression.Zstd)]
    [InlineData(Oci.Compression.None)]
    public async Task FullTreeRoundTrips(Oci.Compression compression)
    {
        var src = _tmp.Sub("src");
        Trees.MakeRich(src);
        var layer = new MemoryStream();
        var d = await LayerCreator.CreateFromDirectoryAsync(src, null, layer, new LayerCreateOptions { Compression = compression, SourceDateEpoch = null });
        Assert.Equal(layer.Length, d.Size);
        layer.Position = 0;
        var dst = _tmp.Sub("dst");
        var applied = await LayerApplier.ApplyAsync(layer, dst);
        Assert.Equal(d.DiffId, applied.DiffId);
        Assert.Equal(d.Digest, applied.Digest);
        Assert.Equal(Scan(src), Scan(dst));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_incompressible_tree_becomes_a_plain_tar_only_when_asked(bool plainWhenIncompressible)
    {
        var src = _tmp.Sub("random");
        var bytes = new byte[2 << 20];
        new Random(9).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(src, "random.bin"), bytes);
        var layer = new MemoryStream();
        var d = await LayerCreator.CreateFromDirectoryAsync(src, null, layer,
            new LayerCreateOptions { PlainWhenIncompressible = plainWhenIncompressible, SourceDateEpoch = null });
        var expected = plainWhenIncompressible ? Oci.Compression.None : Oci.Compression.Gzip;
        Assert.Equal(expected, d.Compression);
        Assert.Equal(expected, CompressionDetector.Detect(layer.ToArray()));
        Assert.Equal(Oci.MediaTypes.OciLayerFor(expected), d.MediaType);
        layer.Position = 0;
        var applied = await LayerApplier.ApplyAsync(layer, _tmp.Sub("applied"));
        Assert.Equal(d.DiffId, applied.DiffId);
        Assert.Equal(d.Digest, applied.Digest);
    }

    [Fact]
    public async Task DiffAgainstParentReproducesTheChild()
    {
        var parent = _tmp.Sub("parent");
        Trees.MakeRich(parent);
        var child = _tmp.Sub("child");
        TreeCopier.CopyContents(parent, child);
        Assert.Equal(Scan(parent), Scan(child));
        File.WriteAllText(Path.Combine(child, "etc", "passwd"), "changed\n");
        File.WriteAllText(Path.Combine(child, "etc", "new"), "new\n");
        File.Delete(Path.Combine(child, "caps"));
        Directory.Delete(Path.Combine(child, "long"), recursive: true);
        File.Delete(Path.Combine(child, "fifo"));
        Directory.CreateDirectory(Path.Combine(child, "fifo", "sub"));
        Directory.Delete(Path.Combine(child, "empty"));
        File.WriteAllText(Path.Combine(child, "empty"), "now a file");
        File.Delete(Path.Combine(child, "usr", "bin", "sh"));
        File.CreateSymbolicLink(Path.Combine(child, "usr", "bin", "sh"), "tool-link");
        File.SetUnixFileMode(Path.Combine(child, "tmp"), (UnixFileMode)0x1ED);

        var layer = new MemoryStream();
        await LayerCreator.CreateFromDirectoryAsync(child, parent, layer, new LayerCreateOptions { Compression = Oci.Compression.None });
        layer.Position = 0;
        var names = ReadNames(layer);
        Assert.Contains(".wh.caps", names);
        Assert.Contains(".wh.long", names);
        Assert.DoesNotContain("long/" + new string('d', 120) + "/", names);
        Assert.DoesNotContain("usr/bin/tool", names); // unchanged
        Assert.Contains("usr/bin/sh", names);

        layer.Position = 0;
        var target = _tmp.Sub("target");
        TreeCopier.CopyContents(parent, target);
        await LayerApplier.ApplyAsync(layer, target);
        var expected = Scan(child);
        var actual = Scan(target);
        // Directory times follow the layer's own directories; compare everything else.
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task OutputIsDeterministicAndClean()
    {
        var a = _tmp.Sub("a");
        var b = _tmp.Sub("b");
        Trees.MakeRich(a);
        Trees.MakeRich(b);
        File.SetLastWriteTimeUtc(Path.Combine(a, "etc", "passwd"), DateTime.UtcNow.AddDays(-3));
        var opts = new LayerCreateOptions { SourceDateEpoch = 1700000000 };
        var la = new MemoryStream();
        var lb = new MemoryStream();
        var da = await LayerCreator.CreateFromDirectoryAsync(a, null, la, opts);
        var db = await LayerCreator.CreateFromDirectoryAsync(b, null, lb, opts);
        Assert.Equal(da.DiffId, db.DiffId);
        Assert.Equal(da.Digest, db.Digest);
        la.Position = 0;
        var (_, tar) = await CompressionDetector.OpenDecompressedAsync(la);
        var reader = new TarStreamReader(tar);
        var names = new List<string>();
        while (reader.Next() is { } e)
        {
            Assert.Equal("", e.UserName);
            Assert.Equal("", e.GroupName);
            Assert.True(e.MtimeSeconds <= 1700000000);
            names.Add(e.Name);
        }
        Assert.Contains("usr/bin/tool-link", names);
    }

    [Fact]
    public async Task OverlayUpperBecomesAnOciLayer()
    {
        var lower = _tmp.Sub("lower");
        Trees.MakeRich(lower);
        Directory.CreateDirectory(Path.Combine(lower, "opaque"));
        File.WriteAllText(Path.Combine(lower, "opaque", "old"), "old");
        var upper = _tmp.Sub("upper");
        var work = _tmp.Sub("work");
        var merged = _tmp.Sub("merged");
        MountHelper.MountOne(new Kist.Snapshots.Mount("overlay", "overlay", [$"lowerdir={lower}", $"upperdir={upper}", $"workdir={work}"]), merged);
        SortedDictionary<string, FileRecord> expected;
        try
        {
            File.Delete(Path.Combine(merged, "caps"));
            Directory.Delete(Path.Combine(merged, "long"), true);
            File.AppendAllText(Path.Combine(merged, "etc", "passwd"), "more\n");
            Directory.Delete(Path.Combine(merged, "opaque"), true);
            Directory.CreateDirectory(Path.Combine(merged, "opaque"));
            File.WriteAllText(Path.Combine(merged, "opaque", "new"), "new");
            File.WriteAllText(Path.Combine(merged, "added"), "added");
            expected = Scan(merged);
        }
        finally { MountHelper.Unmount(merged); }
        Assert.True(FileStat.Lstat(Libc.AT_FDCWD, Path.Combine(upper, "caps")).IsOverlayWhiteout);

        var layer = new MemoryStream();
        await LayerCreator.CreateFromOverlayUpperAsync(upper, layer, new LayerCreateOptions { Compression = Oci.Compression.None });
        layer.Position = 0;
        var names = ReadNames(layer);
        Assert.Contains(".wh.caps", names);
        Assert.Contains("opaque/.wh..wh..opq", names);
        layer.Position = 0;
        var target = _tmp.Sub("target");
        TreeCopier.CopyContents(lower, target);
        await LayerApplier.ApplyAsync(layer, target);
        Assert.Equal(expected, Scan(target));
    }

    private static List<string> ReadNames(Stream tar)
    {
        var r = new TarStreamReader(tar);
        var names = new List<string>();
        while (r.Next() is { } e) names.Add(e.Name);
        return names;
    }
}
