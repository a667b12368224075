using System.Text;
using System.Text.Json;
using Kist.Layers.Apply;
using Kist.Layers.Compression;
using Kist.Layers.Diff;
using Kist.Layers.Tests.Support;
using Kist.Oci;
using Kist.Snapshots;
using Xunit.Abstractions;

namespace Kist.Layers.Tests.Integration;

/// <summary>
/// Kist against the real tools: images docker builds (deletions, renames, hardlinks, symlinks across layers) unpack
/// to the same tree as `docker export` and `umoci unpack`; a layer Kist creates, loaded into docker and umoci,
/// reproduces its source tree. Needs root, dockerd, skopeo and umoci; fails when they are missing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DockerComparisonTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _tmp = new("docker");
    private readonly string _tag = "kist-layers-test:" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        try { Tool.Run("docker", "rmi", "-f", _tag); } catch (InvalidOperationException) { }
        _tmp.Dispose();
    }

    // Paths docker adds to every container (mount points and generated files).
    private static bool DockerNoise(string p) =>
        p is ".dockerenv" or "dev" or "proc" or "sys" or "etc" or "etc/hostname" or "etc/hosts" or "etc/resolv.conf" or "etc/mtab" ||
        p.StartsWith("dev/", StringComparison.Ordinal) || p.StartsWith("proc/", StringComparison.Ordinal) || p.StartsWith("sys/", StringComparison.Ordinal);

    private static SortedDictionary<string, FileRecord> Scan(string dir, Func<string, bool>? exclude = null, bool onlyCapabilities = false)
    {
        var s = TreeScanner.Scan(dir, withXattrs: true, withMtime: true, exclude: exclude);
        if (onlyCapabilities)
            foreach (var k in s.Keys.ToList())
                if (s[k].Xattrs is { } x)
                    s[k] = s[k] with { Xattrs = x.Split(',').Where(a => a.StartsWith("security.capability=", StringComparison.Ordinal)).DefaultIfEmpty().Aggregate((a, b) => a + "," + b) };
        return s;
    }

    private void AssertSameTree(SortedDictionary<string, FileRecord> expected, SortedDictionary<string, FileRecord> actual, string what)
    {
        var diff = new StringBuilder();
        foreach (var (k, v) in expected)
            if (!actual.TryGetValue(k, out var a)) diff.AppendLine($"{what}: missing {k} {v}");
            else if (a != v) diff.AppendLine($"{what}: {k}\n  expected {v}\n  actual   {a}");
        foreach (var k in actual.Keys) if (!expected.ContainsKey(k)) diff.AppendLine($"{what}: extra {k} {actual[k]}");
        output.WriteLine($"{what}: {expected.Count} paths compared");
        Assert.True(diff.Length == 0, diff.ToString());
    }

    private string ExtractTar(string tar, string name)
    {
        var dir = _tmp.Sub(name);
        Tool.Run("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", tar, "-C", dir);
        return dir;
    }

    private string DockerExport(string image)
    {
        var id = Tool.Run("docker", "create", image, "/bin/true").Trim();
        try
        {
            var tar = Path.Combine(_tmp.Path, "export.tar");
            Tool.Run("docker", "export", "-o", tar, id);
            return ExtractTar(tar, "export");
        }
        finally { Tool.Run("docker", "rm", "-f", id); }
    }

    private string UmociUnpack(string ociLayoutRef)
    {
        var bundle = Path.Combine(_tmp.Path, "bundle");
        Tool.Run("umoci", "unpack", "--image", ociLayoutRef, bundle);
        return Path.Combine(bundle, "rootfs");
    }

    private string BusyboxContext()
    {
        var ctx = _tmp.Sub("ctx");
        var rootfs = _tmp.Sub("rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        Directory.CreateDirectory(Path.Combine(rootfs, "tmp"));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var applet in Tool.Run("/bin/busybox", "--list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (applet != "busybox") File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
        File.WriteAllText(Path.Combine(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Tool.Run("tar", "--numeric-owner", "-C", rootfs, "-cf", Path.Combine(ctx, "rootfs.tar"), ".");
        File.WriteAllText(Path.Combine(ctx, "Dockerfile"), """
            FROM scratch
            ADD rootfs.tar /
            RUN mkdir -p /data/sub /data/gone && echo one > /data/a && echo two > /data/b && ln /data/a /data/a-hard \
                && ln -s /data/b /data/b-sym && ln -s ../a /data/sub/rel && chmod 4755 /data/a && mkfifo /data/fifo \
                && echo x > /data/gone/x && mkdir -m 1777 /data/sticky && chown 1234:5678 /data/b
            RUN rm /data/b && mv /data/a /data/moved && echo three >> /data/moved && rm -rf /data/gone /bin/vi \
                && ln /data/moved /data/moved-hard && ln -sf /nowhere /data/b-sym && rm /data/fifo && mkdir /data/fifo
            RUN rm -rf /data/sub && mkdir /data/sub && echo new > /data/sub/new && chown 1000:1000 /data/sub/new \
                && mv /bin/sed /bin/sed2 && chmod 2755 /data/sub
            """);
        return ctx;
    }

    [Fact]
    public Task DockerBuiltImageUnpacksLikeDockerExportAndUmoci() =>
        AssertUnpacksLikeDockerExportAndUmociAsync(BusyboxContext(), minLayers: 4, mustContain: "data/moved-hard");

    /// <summary>A real distribution root (Debian minbase: setuid binaries, many hardlinks and symlinks) plus a layer deleting and replacing parts of it.</summary>
    [Fact]
    public Task DebianMinbaseImageUnpacksLikeDockerExportAndUmoci()
    {
        var ctx = _tmp.Sub("minbase-ctx");
        File.Copy(MinbaseRoot.Tarball(), Path.Combine(ctx, "rootfs.tar"));
        File.WriteAllText(Path.Combine(ctx, "Dockerfile"), """
            FROM scratch
            ADD rootfs.tar /
            RUN rm -rf /usr/share/doc /var/lib/apt/lists /usr/bin/perl* && mv /etc/apt /etc/apt-moved \
                && ln /usr/bin/env /usr/local/bin/env-hard && ln -sf /usr/bin/dash /usr/local/bin/sh-link \
                && mkdir -p /usr/share/doc && echo replaced > /usr/share/doc/README && chmod 4711 /usr/share/doc/README
            """);
        return AssertUnpacksLikeDockerExportAndUmociAsync(ctx, minLayers: 2, mustContain: "usr/local/bin/env-hard");
    }

    private async Task AssertUnpacksLikeDockerExportAndUmociAsync(string ctx, int minLayers, string mustContain)
    {
        Tool.Run("docker", "version");
        Tool.Run("docker", "build", "-q", "--no-cache", "-t", _tag, ctx);
        var saved = Path.Combine(_tmp.Path, "image.tar");
        Tool.Run("docker", "save", "-o", saved, _tag);
        var savedDir = ExtractTar(saved, "saved");
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(savedDir, "manifest.json")));
        var layers = manifest.RootElement[0].GetProperty("Layers").EnumerateArray().Select(l => Path.Combine(savedDir, l.GetString()!)).ToList();
        Assert.True(layers.Count >= minLayers);

        // Flatten (the copy snapshotter's and `kist image unpack`'s path).
        var kist = _tmp.Sub("kist");
        foreach (var layer in layers)
            await using (var s = File.OpenRead(layer)) await LayerApplier.ApplyAsync(s, kist);
        var kistTree = Scan(kist);
        Assert.Contains(mustContain, kistTree.Keys);

        var exported = Scan(DockerExport(_tag), DockerNoise, onlyCapabilities: true);
        AssertSameTree(exported, Scan(kist, DockerNoise, onlyCapabilities: true), "kist vs docker export");

        var layout = Path.Combine(_tmp.Path, "oci");
        Tool.Run("skopeo", "copy", "--quiet", "docker-archive:" + saved, "oci:" + layout + ":latest");
        AssertSameTree(Scan(UmociUnpack(layout + ":latest")), kistTree, "kist vs umoci unpack");

        // The overlay snapshotter's path: layers in upper dirs, mounted as one view.
        var snap = new OverlaySnapshotter(_tmp.Sub("snapshots"));
        var sources = layers.Select(l => new LayerSource(Digest.Compute(File.ReadAllBytes(l)), _ => ValueTask.FromResult<Stream>(File.OpenRead(l)))).ToList();
        var top = await ImageUnpacker.UnpackAsync(snap, sources);
        var view = await snap.ViewAsync("v", top.ToString());
        var mnt = _tmp.Sub("mnt");
        MountHelper.MountAll(view, mnt);
        try { AssertSameTree(kistTree, Scan(mnt), "overlay view vs flatten"); }
        finally { MountHelper.Unmount(mnt); }
    }

    [Fact]
    public async Task KistLayerLoadsIntoDockerAndUmoci()
    {
        Tool.Run("docker", "version");
        var src = _tmp.Sub("src");
        Trees.MakeRich(src);
        Directory.CreateDirectory(Path.Combine(src, "bin"));
        File.Copy("/bin/busybox", Path.Combine(src, "bin", "true"));
        var srcTree = Scan(src);

        // docker load: a docker-archive with Kist's layer (gzip) and a config naming its diff ID.
        var archive = _tmp.Sub("archive");
        LayerDigests d;
        await using (var f = File.Create(Path.Combine(archive, "layer.tar")))
            d = await LayerCreator.CreateFromDirectoryAsync(src, null, f, new LayerCreateOptions { Compression = Oci.Compression.Gzip });
        string config = $$$"""{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["{{{d.DiffId}}}"]}}""";
        File.WriteAllText(Path.Combine(archive, "config.json"), config);
        File.WriteAllText(Path.Combine(archive, "manifest.json"), $$"""[{"Config":"config.json","RepoTags":["{{_tag}}"],"Layers":["layer.tar"]}]""");
        var archiveTar = Path.Combine(_tmp.Path, "archive.tar");
        Tool.Run("tar", "-C", archive, "-cf", archiveTar, "config.json", "manifest.json", "layer.tar");
        Tool.Run("docker", "load", "-i", archiveTar);
        AssertSameTree(Scan(src, DockerNoise, onlyCapabilities: true), Scan(DockerExport(_tag), DockerNoise, onlyCapabilities: true), "docker export vs source");

        // umoci: an OCI layout with the same layer.
        var layout = _tmp.Sub("oci");
        var blobs = Path.Combine(layout, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        File.Copy(Path.Combine(archive, "layer.tar"), Path.Combine(blobs, d.Digest.Encoded));
        var configBytes = Encoding.UTF8.GetBytes(config);
        var configDigest = Digest.Compute(configBytes);
        File.WriteAllBytes(Path.Combine(blobs, configDigest.Encoded), configBytes);
        var manifestBytes = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{configDigest}}","size":{{configBytes.Length}}},"layers":[{"mediaType":"{{d.MediaType}}","digest":"{{d.Digest}}","size":{{d.Size}}}]}""");
        var manifestDigest = Digest.Compute(manifestBytes);
        File.WriteAllBytes(Path.Combine(blobs, manifestDigest.Encoded), manifestBytes);
        File.WriteAllText(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        File.WriteAllText(Path.Combine(layout, "index.json"), $$$"""{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{manifestDigest}}}","size":{{{manifestBytes.Length}}},"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}""");
        AssertSameTree(srcTree, Scan(UmociUnpack(layout + ":latest")), "umoci unpack vs source");
    }
}
