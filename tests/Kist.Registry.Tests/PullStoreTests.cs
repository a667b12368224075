using Kist.Engine;
using Kist.Engine.Distribution;
using Kist.Oci;
using Kist.Registry.Tests.Support;

namespace Kist.Registry.Tests;

/// <summary>Pulls into a real store from a misbehaving registry: the store never holds a blob it has not verified.</summary>
public sealed class PullStoreTests : IAsyncLifetime, IDisposable
{
    private FaultyRegistry _registry = null!;
    private readonly string _root = Directory.CreateTempSubdirectory("kist-pull-test").FullName;

    public async Task InitializeAsync() => _registry = await FaultyRegistry.StartAsync();
    public async Task DisposeAsync() => await _registry.DisposeAsync();
    public void Dispose() => Directory.Delete(_root, recursive: true);

    private DistributionOptions Options => new() { ConfigDirectory = Path.Combine(_root, "docker-config") };

    private Task<IReadOnlyList<PullResult>> PullAsync(KistEngine engine, string reference, Platform? platform = null) =>
        engine.Pull(Options).PullAsync($"{_registry.Host}/{reference}", new PullOptions(platform), NullTransferObserver.Instance);

    private static IEnumerable<Digest> StoredBlobs(KistEngine engine) =>
        engine.Content.ListAsync().ToBlockingEnumerable().Select(b => b.Digest);

    [Fact]
    public async Task Pull_stores_verified_blobs_and_names_tag_and_digest()
    {
        var image = TestImages.Add(_registry, "app", "v1", layers: 3);
        var engine = new KistEngine(_root);
        var result = (await PullAsync(engine, "app:v1")).Single();
        Assert.True(result.Downloaded);
        Assert.Equal(image.ManifestDigest, result.Target.Digest);
        Assert.Equal(image.Config.Digest, result.ImageId);
        var named = await engine.Images.FindAsync($"{_registry.Host}/app:v1");
        Assert.Contains(named.References, r => r.Digest == image.ManifestDigest);
        // What a container start looks up: the same image by name (reading only its documents) or by ID prefix.
        Assert.Equal(image.Config.Digest, (await engine.Images.ResolveAsync($"{_registry.Host}/app:v1")).Id);
        Assert.Equal(image.Config.Digest, (await engine.Images.ResolveAsync(image.Config.Digest.Encoded[..12])).Id);
        await Assert.ThrowsAnyAsync<NotFoundException>(() => engine.Images.ResolveAsync($"{_registry.Host}/app:v2"));
        foreach (var layer in image.Layers) Assert.True(engine.Content.Exists(layer.Digest));

        _registry.Requests.Clear();
        var again = (await PullAsync(engine, "app:v1")).Single();
        Assert.False(again.Downloaded);
        Assert.DoesNotContain(_registry.Requests, r => r.StartsWith("GET /v2/app/"));
    }

    [Fact]
    public async Task Wrong_bytes_for_a_layer_fail_and_leave_nothing_in_the_store()
    {
        var image = TestImages.Add(_registry, "app", "v1", layers: 1);
        var layer = image.Layers[0];
        _registry.Blobs[layer.Digest] = FaultyRegistry.RandomBytes((int)layer.Size); // same size, other bytes
        var engine = new KistEngine(_root);
        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => PullAsync(engine, "app:v1"));
        Assert.Contains(layer.Digest.ToString(), e.Message);
        Assert.DoesNotContain(layer.Digest, StoredBlobs(engine));
        Assert.Empty(engine.ImageStore.ReadIndex());
        Assert.Empty(Directory.GetFiles(engine.Layout.IngestDirectory));
    }

    [Fact]
    public async Task Cut_bodies_and_server_errors_still_give_the_image()
    {
        var image = TestImages.Add(_registry, "app", "v1", layers: 2, layerSize: 2_000_000);
        _registry.Fault("GET blob", FaultyRegistry.Status(500), times: 2);
        _registry.Fault("GET blob", async c =>
        {
            var blob = _registry.Blobs[Digest.Parse(c.Request.Path.Value!.Split('/')[^1])];
            c.Response.ContentLength = blob.Length;
            await c.Response.Body.WriteAsync(blob.AsMemory(0, 100));
            await c.Response.Body.FlushAsync();
            c.Abort();
        });
        var engine = new KistEngine(_root);
        await PullAsync(engine, "app:v1");
        foreach (var layer in image.Layers)
        {
            Assert.Equal(await File.ReadAllBytesAsync(engine.Layout.BlobPath(layer.Digest)), _registry.Blobs[layer.Digest]);
        }
    }

    [Fact]
    public async Task Interrupted_pull_resumes_from_the_partial_file()
    {
        var image = TestImages.Add(_registry, "app", "v1", layers: 1, layerSize: 3_000_000);
        var layer = image.Layers[0];
        _registry.Fault("GET blob", async c =>
        {
            c.Response.ContentLength = layer.Size;
            await c.Response.Body.WriteAsync(_registry.Blobs[layer.Digest].AsMemory(0, 1_000_000));
            await c.Response.Body.FlushAsync();
            c.Abort();
        }, times: 6);
        var engine = new KistEngine(_root);
        await Assert.ThrowsAsync<RegistryException>(() => PullAsync(engine, "app:v1"));
        Assert.DoesNotContain(layer.Digest, StoredBlobs(engine));
        var partial = Assert.Single(Directory.GetFiles(engine.Layout.IngestDirectory));
        Assert.True(new FileInfo(partial).Length >= 1_000_000);

        _registry.Requests.Clear();
        await PullAsync(engine, "app:v1");
        Assert.Contains(_registry.Requests, r => r.StartsWith($"GET /v2/app/blobs/{layer.Digest}") && r.EndsWith("bytes=1000000-"));
        Assert.Equal(_registry.Blobs[layer.Digest], await File.ReadAllBytesAsync(engine.Layout.BlobPath(layer.Digest)));
        Assert.Empty(Directory.GetFiles(engine.Layout.IngestDirectory));
    }

    [Fact]
    public async Task Index_selects_the_platform_and_lists_the_available_ones_when_none_fits()
    {
        var amd = TestImages.Add(_registry, "multi", "amd", arch: "amd64");
        var arm = TestImages.Add(_registry, "multi", "arm", arch: "arm64");
        var (indexDigest, _) = TestImages.AddIndex(_registry, "multi", "v1", (amd, "amd64"), (arm, "arm64"));
        var engine = new KistEngine(_root);
        var result = (await PullAsync(engine, "multi:v1", Platform.Parse("linux/arm64"))).Single();
        Assert.Equal(indexDigest, result.Target.Digest);
        Assert.Equal(arm.Config.Digest, result.ImageId);
        Assert.DoesNotContain(amd.Layers[0].Digest, StoredBlobs(engine));

        var e = await Assert.ThrowsAsync<NotFoundException>(() => PullAsync(engine, "multi:v1", Platform.Parse("linux/s390x")));
        Assert.Contains("linux/amd64, linux/arm64", e.Message);
    }

    [Fact]
    public async Task Pushed_image_pulls_back_identically()
    {
        var image = TestImages.Add(_registry, "src", "v1", layers: 2);
        var engine = new KistEngine(_root);
        await PullAsync(engine, "src:v1");
        var pushed = await engine.Push(Options).PushAsync($"{_registry.Host}/src:v1", $"{_registry.Host}/copy:v2", NullTransferObserver.Instance);
        Assert.Equal(image.ManifestDigest, pushed.Digest);
        Assert.Equal(image.Manifest, _registry.Manifests["copy:v2"].Bytes);
        // The layers were known in src of the same registry: mounted, not uploaded.
        Assert.Equal(0, _registry.Requests.Count(r => r.StartsWith("PUT /v2/copy/blobs/uploads/")));
    }
}
