using System.Text;
using Kist.Content.Tests.Support;
using Kist.Oci;

namespace Kist.Content.Tests;

public class ImageStoreTests
{
    private static ImageReference Ref(string s) => ImageReference.Parse(s);

    private static void Set(TestStore store, string name, TestImage image) =>
        store.Images.Update(index => { index.SetReference(Ref(name), image.ManifestDescriptor); return 0; });

    /// <summary>index.json must stay a valid OCI index: parsed as such, every name in ref.name as a full reference.</summary>
    private static ImageIndex AssertValidIndex(TestStore store)
    {
        var bytes = File.ReadAllBytes(store.Layout.IndexFile);
        Assert.Equal(MediaTypes.OciIndex, OciDocuments.DetectMediaType(bytes));
        var index = OciDocuments.ParseIndex(bytes).Value;
        Assert.Equal(2, index.SchemaVersion);
        Assert.Equal(MediaTypes.OciIndex, index.MediaType);
        foreach (var m in index.Manifests)
        {
            Assert.True(MediaTypes.IsManifest(m.MediaType) || MediaTypes.IsIndex(m.MediaType));
            if (m.Annotation(AnnotationKeys.RefName) is { } name)
            {
                Assert.Equal(Ref(name).ToString(), name);
                Assert.Equal(name, m.Annotation(AnnotationKeys.ContainerdImageName));
            }
        }
        Assert.Empty(store.IngestFiles());
        return index;
    }

    [Fact]
    public async Task Tag_names_an_image_in_index_json()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync("busybox");
        var entry = Assert.Single(store.Images.ReadIndex());
        Assert.Equal("docker.io/library/busybox:latest", entry.Reference!.ToString());
        Assert.Equal(image.ManifestDescriptor.Digest, entry.Target.Digest);
        var index = AssertValidIndex(store);
        Assert.Equal("docker.io/library/busybox:latest", index.Manifests[0].Annotation(AnnotationKeys.RefName));
    }

    [Fact]
    public async Task Moving_a_tag_leaves_an_unnamed_entry_for_the_old_image()
    {
        using var store = new TestStore();
        var old = await store.AddImageAsync("app:1", seed: "old");
        var @new = await store.AddImageAsync(null, seed: "new");
        Set(store, "app:1", @new);
        var entries = store.Images.ReadIndex();
        Assert.Equal(2, entries.Count);
        Assert.Equal(@new.ManifestDescriptor.Digest, entries.Single(e => e.Reference is not null).Target.Digest);
        var unnamed = entries.Single(e => e.Reference is null);
        Assert.Equal(old.ManifestDescriptor.Digest, unnamed.Target.Digest);
        Assert.Null(unnamed.Target.Annotations);
        AssertValidIndex(store);

        // naming the old image again removes its unnamed entry
        Set(store, "app:old", old);
        entries = store.Images.ReadIndex();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.NotNull(e.Reference));
        AssertValidIndex(store);
    }

    [Fact]
    public async Task Moving_a_tag_from_an_image_with_another_name_leaves_no_unnamed_entry()
    {
        using var store = new TestStore();
        var old = await store.AddImageAsync("app:1", seed: "old");
        Set(store, "app:stable", old);
        var @new = await store.AddImageAsync(null, seed: "new");
        Set(store, "app:1", @new);
        var entries = store.Images.ReadIndex();
        Assert.Equal(2, entries.Count);
        Assert.DoesNotContain(entries, e => e.Reference is null);
    }

    [Fact]
    public async Task Setting_the_same_name_on_the_same_image_changes_nothing()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync("app:1");
        var before = store.Snapshot();
        bool changed = store.Images.Update(index => { index.SetReference(Ref("app:1"), image.ManifestDescriptor); return index.Changed; });
        Assert.False(changed);
        Assert.Equal(before, store.Snapshot());
    }

    [Fact]
    public async Task AddUnnamed_only_for_images_without_an_entry()
    {
        using var store = new TestStore();
        var named = await store.AddImageAsync("app:1", seed: "a");
        var other = await store.AddImageAsync(null, seed: "b");
        store.Images.Update(index =>
        {
            index.AddUnnamed(named.ManifestDescriptor);
            Assert.False(index.Changed);
            index.AddUnnamed(other.ManifestDescriptor with { Annotations = new Dictionary<string, string> { ["x"] = "y" } });
            Assert.True(index.Changed);
            index.AddUnnamed(other.ManifestDescriptor);
            return 0;
        });
        var entries = store.Images.ReadIndex();
        Assert.Equal(2, entries.Count);
        Assert.Null(entries.Single(e => e.Reference is null).Target.Annotations);
        AssertValidIndex(store);
    }

    [Fact]
    public async Task Remove_reference_and_remove_target()
    {
        using var store = new TestStore();
        var a = await store.AddImageAsync("app:1", seed: "a");
        Set(store, "app:2", a);
        Set(store, "localhost:5000/app:2", a);
        var b = await store.AddImageAsync("other", seed: "b");

        var removed = store.Images.Update(index => index.RemoveReference(Ref("app:2")));
        Assert.Equal("docker.io/library/app:2", removed!.Reference!.ToString());
        Assert.Null(store.Images.Update(index => index.RemoveReference(Ref("app:404"))));
        Assert.Equal(3, store.Images.ReadIndex().Count);

        int n = store.Images.Update(index => index.RemoveTarget(a.ManifestDescriptor.Digest));
        Assert.Equal(2, n);
        var left = Assert.Single(store.Images.ReadIndex());
        Assert.Equal(b.ManifestDescriptor.Digest, left.Target.Digest);
        AssertValidIndex(store);
        Assert.Equal(0, store.Images.Update(index => index.RemoveTarget(a.ManifestDescriptor.Digest)));
    }

    [Fact]
    public async Task Find_and_EntriesFor()
    {
        using var store = new TestStore();
        var a = await store.AddImageAsync("app:1");
        Set(store, "app:2", a);
        store.Images.Update(index =>
        {
            Assert.NotNull(index.Find(Ref("docker.io/library/app:1")));
            Assert.Null(index.Find(Ref("app:3")));
            Assert.Equal(2, index.EntriesFor(a.ManifestDescriptor.Digest).Count());
            return 0;
        });
    }

    [Fact]
    public async Task Foreign_index_entries_are_kept_unnamed_and_bare_ref_names_are_not_names()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync();
        // as skopeo or umoci would write it: ref.name is just a tag
        File.WriteAllText(store.Layout.IndexFile, TestArchives.IndexJson(image.ManifestDescriptor, null, refNameOnly: "v1.0"));
        var entry = Assert.Single(store.Images.ReadIndex());
        // "v1.0" parses as docker.io/library/v1.0:latest, which is how it is read
        Assert.NotNull(entry.Reference);
        File.WriteAllText(store.Layout.IndexFile, TestArchives.IndexJson(image.ManifestDescriptor, null, refNameOnly: "Not A Name"));
        Assert.Null(Assert.Single(store.Images.ReadIndex()).Reference);
    }

    [Fact]
    public void A_corrupt_index_json_is_a_KistException_and_a_missing_one_is_empty()
    {
        using var store = new TestStore();
        File.WriteAllText(store.Layout.IndexFile, "{\"manifests\": [");
        var e = Assert.ThrowsAny<KistException>(() => store.Images.ReadIndex());
        Assert.Contains("index.json is corrupt", e.Message);
        File.WriteAllText(store.Layout.IndexFile, "{\"manifests\": null}");
        Assert.ThrowsAny<KistException>(() => store.Images.ReadIndex());
        File.Delete(store.Layout.IndexFile);
        Assert.Empty(store.Images.ReadIndex());
    }

    [Fact]
    public async Task LoadImage_reads_manifest_and_config()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync("app", layers: 2, mediaType: MediaTypes.DockerManifest);
        var loaded = await store.Images.LoadImageAsync(image.ManifestDescriptor);
        Assert.Equal(image.Id, loaded.Id);
        Assert.Null(loaded.Index);
        Assert.Equal(image.ManifestBytes, loaded.Manifest.Bytes);
        Assert.Equal(2, loaded.Manifest.Value.Layers.Count);
        Assert.Equal(image.Layers.Sum(l => l.Bytes.Length), loaded.Size);
        Assert.Equal(["sh"], loaded.ConfigValue.Config!.Cmd!);
    }

    [Fact]
    public async Task LoadImage_of_an_index_picks_the_host_platform()
    {
        using var store = new TestStore();
        var host = await store.AddImageAsync(seed: "host");
        var foreign = await store.AddImageAsync(seed: "foreign");
        var otherArch = Platform.Host.Architecture == "s390x" ? "ppc64le" : "s390x";
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests =
            [
                foreign.ManifestDescriptor with { Platform = new Platform { Os = "linux", Architecture = otherArch } },
                host.ManifestDescriptor with { Platform = Platform.Host },
            ],
        };
        var bytes = OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex);
        var target = await store.Content.PutAsync(bytes, MediaTypes.OciIndex);
        var loaded = await store.Images.LoadImageAsync(target);
        Assert.Equal(host.Id, loaded.Id);
        Assert.NotNull(loaded.Index);

        // an index with no present manifest is NotFound
        var missing = TestImage.Create(seed: "absent");
        var emptyIndex = OciDocuments.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [missing.ManifestDescriptor] }, OciJsonContext.Default.ImageIndex);
        var emptyTarget = await store.Content.PutAsync(emptyIndex, MediaTypes.OciIndex);
        await Assert.ThrowsAsync<NotFoundException>(async () => await store.Images.LoadImageAsync(emptyTarget));
    }

    [Fact]
    public async Task LoadImage_of_something_else_is_InvalidInput()
    {
        using var store = new TestStore();
        var d = await store.Content.PutAsync(Encoding.UTF8.GetBytes("{\"hello\":1}"), "application/json");
        await Assert.ThrowsAsync<InvalidInputException>(async () => await store.Images.LoadImageAsync(d));
    }

    [Fact]
    public async Task Concurrent_updates_from_many_threads_lose_no_name()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync();
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            store.Images.Update(index => { index.SetReference(Ref($"app:{i}"), image.ManifestDescriptor); return 0; }))).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(16, store.Images.ReadIndex().Count);
        AssertValidIndex(store);
    }
}
