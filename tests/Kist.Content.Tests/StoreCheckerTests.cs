using System.Text;
using Kist.Content.Tests.Support;
using Kist.Oci;

namespace Kist.Content.Tests;

public class StoreCheckerTests
{
    private static Task<CheckReport> Check(TestStore store) => new StoreChecker(store.Images).CheckAsync();

    [Fact]
    public async Task A_healthy_store_has_no_problems()
    {
        using var store = new TestStore();
        await store.AddImageAsync("a", layers: 2, seed: "a");
        await store.AddImageAsync("b", seed: "b", gzip: true, mediaType: MediaTypes.DockerManifest);
        await store.Content.PutAsync(Encoding.UTF8.GetBytes("loose"), "a/b");
        var report = await Check(store);
        Assert.Empty(report.Problems);
        Assert.Equal(8, report.BlobsVerified); // 2 layers + config + manifest, 1 layer + config + manifest, 1 loose
        Assert.Equal(2, report.ReferencesChecked);
        Assert.Equal(1, report.UnreferencedBlobs);
    }

    [Fact]
    public async Task A_corrupt_blob_is_reported()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync("a");
        var path = store.Layout.BlobPath(image.Layers[0].Descriptor.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(path, bytes);
        var report = await Check(store);
        Assert.Contains(report.Problems, p => p.Contains($"blob {image.Layers[0].Descriptor.Digest}: content hashes to"));
    }

    [Fact]
    public async Task A_missing_layer_is_reported_with_the_image_name()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync("app:1", layers: 2);
        File.Delete(store.Layout.BlobPath(image.Layers[1].Descriptor.Digest));
        var report = await Check(store);
        var problem = Assert.Single(report.Problems);
        Assert.Contains("app:1", problem);
        Assert.Contains($"blob {image.Layers[1].Descriptor.Digest} is missing", problem);
    }

    [Fact]
    public async Task A_wrong_size_is_reported()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync();
        // a manifest whose layer descriptor claims one byte more than the blob has
        var manifest = OciDocuments.ParseManifest(image.ManifestBytes).Value;
        var wrong = manifest with { Layers = [manifest.Layers[0] with { Size = manifest.Layers[0].Size + 1 }] };
        var target = await store.Content.PutAsync(OciDocuments.Serialize(wrong, OciJsonContext.Default.ImageManifest), MediaTypes.OciManifest);
        store.Images.Update(index => { index.SetReference(ImageReference.Parse("wrong:size"), target); return 0; });
        var report = await Check(store);
        var problem = Assert.Single(report.Problems);
        Assert.Contains($"has {manifest.Layers[0].Size} bytes, its descriptor says {manifest.Layers[0].Size + 1}", problem);
    }

    [Fact]
    public async Task A_missing_manifest_and_a_missing_config_are_reported()
    {
        using var store = new TestStore();
        var a = await store.AddImageAsync("a", seed: "a");
        var b = await store.AddImageAsync("b", seed: "b");
        File.Delete(store.Layout.BlobPath(a.ManifestDescriptor.Digest));
        File.Delete(store.Layout.BlobPath(b.Id));
        var report = await Check(store);
        Assert.Equal(2, report.Problems.Count);
        Assert.Contains(report.Problems, p => p.Contains($"blob {a.ManifestDescriptor.Digest} is missing"));
        Assert.Contains(report.Problems, p => p.Contains($"blob {b.Id} is missing"));
    }

    [Fact]
    public async Task Layer_and_diff_id_counts_that_differ_are_reported()
    {
        using var store = new TestStore();
        var image = await store.AddImageAsync(layers: 2);
        var manifest = OciDocuments.ParseManifest(image.ManifestBytes).Value;
        var oneLayer = manifest with { Layers = [manifest.Layers[0]] };
        var target = await store.Content.PutAsync(OciDocuments.Serialize(oneLayer, OciJsonContext.Default.ImageManifest), MediaTypes.OciManifest);
        store.Images.Update(index => { index.SetReference(ImageReference.Parse("short"), target); return 0; });
        var report = await Check(store);
        Assert.Contains(report.Problems, p => p.Contains("has 1 layers, its config 2 diff IDs"));
    }

    [Fact]
    public async Task Foreign_files_a_bad_layout_file_and_a_corrupt_index_are_reported()
    {
        using var store = new TestStore();
        File.WriteAllText(Path.Combine(store.Layout.BlobsDirectory, "sha256", "junk"), "x");
        File.WriteAllText(store.Layout.LayoutFile, "{\"imageLayoutVersion\":\"0.9\"}");
        var report = await Check(store);
        Assert.Contains(report.Problems, p => p.Contains("is not named by a valid digest"));
        Assert.Contains(report.Problems, p => p.Contains("oci-layout: unexpected version 0.9"));
        File.WriteAllText(store.Layout.IndexFile, "not json");
        report = await Check(store);
        Assert.Contains(report.Problems, p => p.Contains("index.json is corrupt"));
    }

    [Fact]
    public async Task A_named_blob_that_is_not_a_manifest_is_reported()
    {
        using var store = new TestStore();
        var d = await store.Content.PutAsync(Encoding.UTF8.GetBytes("{\"hello\":1}"), MediaTypes.OciManifest);
        store.Images.Update(index => { index.SetReference(ImageReference.Parse("odd"), d); return 0; });
        var report = await Check(store);
        Assert.Contains(report.Problems, p => p.Contains("is not a manifest or index"));
    }
}
