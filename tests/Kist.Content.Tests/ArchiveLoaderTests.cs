using System.Text;
using Kist.Content.Archives;
using Kist.Content.Tests.Support;
using Kist.Oci;

namespace Kist.Content.Tests;

public class ArchiveLoaderTests
{
    private static async Task AssertHealthyAsync(TestStore store)
    {
        var report = await new StoreChecker(store.Images).CheckAsync();
        Assert.Empty(report.Problems);
        Assert.Equal(0, report.UnreferencedBlobs);
        Assert.Empty(store.IngestFiles());
    }

    private static async Task AssertLayersAsync(TestStore store, ArchiveImage loaded, TestImage image)
    {
        var local = await store.Images.LoadImageAsync(loaded.Target);
        Assert.Equal(image.Id, local.Id);
        Assert.Equal(image.ConfigBytes, local.Config.Bytes);
        Assert.Equal(image.Layers.Select(l => l.Descriptor.Digest), local.Manifest.Value.Layers.Select(l => l.Digest));
        foreach (var layer in local.Manifest.Value.Layers)
        {
            Assert.Equal(layer.Size, new FileInfo(store.Layout.BlobPath(layer.Digest)).Length);
        }
    }

    [Fact]
    public async Task Legacy_docker_archive_with_a_symlinked_shared_layer()
    {
        using var store = new TestStore();
        var shared = Tars.Layer(("same.txt", "same content"));
        var image = TestImage.Create(tars: [shared, Tars.Layer(("b.txt", "b")), shared], mediaType: MediaTypes.DockerManifest);
        var entries = TestArchives.DockerLegacy(image, ["busybox:latest", "localhost:5000/busybox:1"]);
        Assert.Contains(entries, e => e.Type == System.Formats.Tar.TarEntryType.SymbolicLink);

        var loaded = Assert.Single(await store.LoadAsync(entries.Bytes()));
        Assert.Equal(image.Id, loaded.Id);
        Assert.Equal(["docker.io/library/busybox:latest", "localhost:5000/busybox:1"], loaded.Names.Select(n => n.ToString()));
        Assert.Equal(MediaTypes.DockerManifest, loaded.Target.MediaType);
        await AssertLayersAsync(store, loaded, image);
        Assert.Equal(2, store.Images.ReadIndex().Count);
        await AssertHealthyAsync(store);
    }

    [Fact]
    public async Task Legacy_docker_archive_with_hardlinked_layers_and_gzip_layers_gzip_outer()
    {
        using var store = new TestStore();
        var shared = Tars.Layer(("same.txt", "same content"));
        var image = TestImage.Create(tars: [shared, shared], gzip: true, mediaType: MediaTypes.DockerManifest);
        var entries = TestArchives.DockerLegacy(image, ["app:gz"], symlinkRepeatedLayers: false);
        // the second copy as a hard link to the first, as some tools write it
        string second = entries.Where(e => e.Name.EndsWith("/layer.tar")).Last().Name;
        string first = entries.First(e => e.Name.EndsWith("/layer.tar")).Name;
        entries.Replace(second, Entry.HardLink(second, first));

        var loaded = Assert.Single(await store.LoadAsync(Tars.Gzip(entries.Bytes())));
        Assert.Equal(image.Id, loaded.Id);
        var local = await store.Images.LoadImageAsync(loaded.Target);
        Assert.All(local.Manifest.Value.Layers, l => Assert.Equal(MediaTypes.DockerLayerGzip, l.MediaType));
        await AssertLayersAsync(store, loaded, image);
        await AssertHealthyAsync(store);
    }

    [Fact]
    public async Task Modern_docker_archive_without_names_gives_an_unnamed_image()
    {
        using var store = new TestStore();
        var image = TestImage.Create(layerCount: 2, mediaType: MediaTypes.DockerManifest);
        var loaded = Assert.Single(await store.LoadAsync(TestArchives.DockerModern(image, repoTags: null).Bytes()));
        Assert.Empty(loaded.Names);
        var entry = Assert.Single(store.Images.ReadIndex());
        Assert.Null(entry.Reference);
        Assert.Equal(loaded.Target.Digest, entry.Target.Digest);
        await AssertLayersAsync(store, loaded, image);
        await AssertHealthyAsync(store);
    }

    [Fact]
    public async Task Oci_archive_named_by_containerd_annotation_keeps_its_manifest_bytes()
    {
        using var store = new TestStore();
        var image = TestImage.Create(layerCount: 2, gzip: true);
        var loaded = Assert.Single(await store.LoadAsync(TestArchives.Oci(image, "example.com/team/app:2").Bytes()));
        Assert.Equal("example.com/team/app:2", Assert.Single(loaded.Names).ToString());
        Assert.Equal(image.ManifestDescriptor.Digest, loaded.Target.Digest);
        Assert.Equal(image.ManifestBytes, File.ReadAllBytes(store.Layout.BlobPath(image.ManifestDescriptor.Digest)));
        await AssertLayersAsync(store, loaded, image);
        await AssertHealthyAsync(store);
    }

    [Fact]
    public async Task Oci_archive_with_a_bare_tag_ref_name_is_unnamed()
    {
        using var store = new TestStore();
        var image = TestImage.Create();
        var loaded = Assert.Single(await store.LoadAsync(TestArchives.Oci(image, refNameOnly: "latest").Bytes()));
        Assert.Empty(loaded.Names);
        Assert.Null(Assert.Single(store.Images.ReadIndex()).Reference);
    }

    [Fact]
    public async Task Loading_the_same_archive_twice_changes_nothing_the_second_time()
    {
        using var store = new TestStore();
        var archive = TestArchives.DockerLegacy(TestImage.Create(layerCount: 2), ["app:1"]).Bytes();
        await store.LoadAsync(archive);
        var before = store.Snapshot();
        await store.LoadAsync(archive);
        Assert.Equal(before, store.Snapshot());
    }

    [Theory]
    [InlineData(ArchiveFormat.DockerArchive)]
    [InlineData(ArchiveFormat.OciArchive)]
    public async Task Round_trip_through_ArchiveWriter(ArchiveFormat format)
    {
        using var source = new TestStore();
        var a = await source.AddImageAsync("app:1", layers: 2, seed: "a", gzip: true, mediaType: MediaTypes.DockerManifest);
        var b = await source.AddImageAsync("localhost:5000/other:2", layers: 1, seed: "b");
        var selection = new List<(LocalImage, IReadOnlyList<ImageReference>)>
        {
            (await source.Images.LoadImageAsync(a.ManifestDescriptor), [ImageReference.Parse("app:1"), ImageReference.Parse("app:latest")]),
            (await source.Images.LoadImageAsync(b.ManifestDescriptor), [ImageReference.Parse("localhost:5000/other:2")]),
        };
        var output = new MemoryStream();
        await new ArchiveWriter(source.Images).WriteAsync(output, selection, format);

        using var target = new TestStore();
        var loaded = await target.LoadAsync(output.ToArray());
        // docker-archive: one entry per image with all its names; oci-archive: one index entry per name
        Assert.Equal(format == ArchiveFormat.DockerArchive ? 2 : 3, loaded.Count);
        Assert.Equal(2, loaded.Select(l => l.Id).Distinct().Count());
        var la = loaded.First(l => l.Id == a.Id);
        var lb = loaded.Single(l => l.Id == b.Id);
        Assert.Equal(["docker.io/library/app:1", "docker.io/library/app:latest"],
            loaded.Where(l => l.Id == a.Id).SelectMany(l => l.Names).Select(n => n.ToString()).Order());
        Assert.Equal("localhost:5000/other:2", Assert.Single(lb.Names).ToString());
        await AssertLayersAsync(target, la, a);
        await AssertLayersAsync(target, lb, b);
        Assert.Equal(3, target.Images.ReadIndex().Count);
        await AssertHealthyAsync(target);
        if (format == ArchiveFormat.OciArchive)
        {
            // the manifests themselves travel: same image, same manifest digest
            Assert.Equal(a.ManifestDescriptor.Digest, la.Target.Digest);
        }
        // the written archive is deterministic
        var again = new MemoryStream();
        await new ArchiveWriter(source.Images).WriteAsync(again, selection, format);
        Assert.Equal(output.ToArray(), again.ToArray());
    }

    [Fact]
    public async Task Writer_refuses_a_corrupt_blob_in_the_store()
    {
        using var source = new TestStore();
        var image = await source.AddImageAsync("app");
        var path = source.Layout.BlobPath(image.Layers[0].Descriptor.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[0] ^= 1;
        File.WriteAllBytes(path, bytes);
        var local = await source.Images.LoadImageAsync(image.ManifestDescriptor);
        await Assert.ThrowsAsync<DigestMismatchException>(() =>
            new ArchiveWriter(source.Images).WriteAsync(new MemoryStream(), [(local, [ImageReference.Parse("app")])], ArchiveFormat.DockerArchive));
    }
}
