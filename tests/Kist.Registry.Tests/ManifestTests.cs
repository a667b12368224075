using System.Text;
using Kist.Oci;
using Kist.Registry.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Kist.Registry.Tests;

public sealed class ManifestTests : IAsyncLifetime
{
    private FaultyRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await FaultyRegistry.StartAsync();
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private RegistryClient Client() => new(_registry.Host, new RegistryClientOptions { RetryDelay = TimeSpan.FromMilliseconds(10) });

    [Fact]
    public async Task Manifest_by_tag_keeps_raw_bytes_and_digest()
    {
        var image = TestImages.Add(_registry, "app", "v1");
        using var client = Client();
        var manifest = await client.GetManifestAsync("app", "v1");
        Assert.Equal(image.Manifest, manifest.Bytes);
        Assert.Equal(image.ManifestDigest, manifest.Digest);
        Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);
        var head = await client.HeadManifestAsync("app", "v1");
        Assert.Equal(image.ManifestDigest, head!.Digest);
    }

    [Fact]
    public async Task Manifest_by_digest_with_wrong_bytes_is_refused()
    {
        var image = TestImages.Add(_registry, "app", "v1");
        var other = TestImages.Add(_registry, "app", "v2");
        _registry.Manifests[$"app:{image.ManifestDigest}"] = (other.Manifest, MediaTypes.DockerManifest);
        using var client = Client();
        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => client.GetManifestAsync("app", image.ManifestDigest.ToString()));
        Assert.Contains(image.ManifestDigest.ToString(), e.Message);
    }

    [Fact]
    public async Task Manifest_with_a_lying_digest_header_is_refused()
    {
        var image = TestImages.Add(_registry, "app", "v1");
        _registry.Fault("GET manifest", async c =>
        {
            c.Response.ContentType = MediaTypes.DockerManifest;
            c.Response.Headers["Docker-Content-Digest"] = Digest.Compute(Encoding.UTF8.GetBytes("other")).ToString();
            await c.Response.Body.WriteAsync(image.Manifest);
        });
        using var client = Client();
        await Assert.ThrowsAsync<DigestMismatchException>(() => client.GetManifestAsync("app", "v1"));
    }

    [Fact]
    public async Task Schema1_is_refused_as_not_supported()
    {
        _registry.AddManifest("old", "v1", Encoding.UTF8.GetBytes("{\"schemaVersion\":1,\"name\":\"old\",\"tag\":\"v1\",\"fsLayers\":[]}"), MediaTypes.DockerManifestV1Signed);
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("old", "v1"));
        Assert.Contains("schema 1", e.Message);
        Assert.Contains("not supported", e.Message);
    }

    [Fact]
    public async Task Malformed_manifest_gets_a_clear_error()
    {
        _registry.AddManifest("bad", "v1", Encoding.UTF8.GetBytes("<html>oops</html>"), MediaTypes.DockerManifest);
        _registry.AddManifest("bad", "v2", Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciManifest + "\",\"config\":42}"), MediaTypes.OciManifest);
        using var client = Client();
        var e1 = await Assert.ThrowsAsync<InvalidInputException>(() => client.GetManifestAsync("bad", "v1"));
        Assert.Contains("malformed", e1.Message);
        var e2 = await Assert.ThrowsAsync<InvalidInputException>(() => client.GetManifestAsync("bad", "v2"));
        Assert.Contains("malformed", e2.Message);
    }

    [Fact]
    public async Task Wrong_content_type_falls_back_to_the_document_and_a_contradiction_is_refused()
    {
        var image = TestImages.Add(_registry, "app", "v1");
        _registry.Manifests["app:v1"] = (image.Manifest, "text/plain; charset=utf-8");
        using var client = Client();
        var manifest = await client.GetManifestAsync("app", "v1");
        Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);

        _registry.Manifests["app:v1"] = (image.Manifest, MediaTypes.OciIndex);
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => client.GetManifestAsync("app", "v1"));
        Assert.Contains("declares", e.Message);
    }

    [Fact]
    public async Task Oversized_manifest_is_refused()
    {
        var huge = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"x\":\"" + new string('a', OciDocuments.MaxManifestBytes) + "\"}");
        _registry.AddManifest("big", "v1", huge, MediaTypes.OciManifest);
        using var client = Client();
        var e = await Assert.ThrowsAsync<InvalidInputException>(() => client.GetManifestAsync("big", "v1"));
        Assert.Contains("larger than", e.Message);
    }

    [Fact]
    public async Task Missing_manifest_says_not_found()
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("nothing", "latest"));
        Assert.Equal(404, e.StatusCode);
        Assert.Contains("not found", e.Message);
        Assert.Contains("MANIFEST_UNKNOWN", e.ErrorCodes);
    }

    [Fact]
    public async Task Server_error_then_success_is_retried()
    {
        var image = TestImages.Add(_registry, "app", "v1");
        _registry.Fault("GET manifest", FaultyRegistry.Status(500), times: 2);
        using var client = Client();
        var manifest = await client.GetManifestAsync("app", "v1");
        Assert.Equal(image.ManifestDigest, manifest.Digest);
    }

    [Fact]
    public async Task Too_many_requests_waits_for_retry_after()
    {
        TestImages.Add(_registry, "app", "v1");
        _registry.Fault("GET manifest", FaultyRegistry.Status(429, retryAfter: "1"));
        using var client = Client();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await client.GetManifestAsync("app", "v1");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {watch.Elapsed}");
    }

    [Fact]
    public async Task Persistent_server_errors_end_in_a_clear_error_with_the_oci_code()
    {
        TestImages.Add(_registry, "app", "v1");
        _registry.Fault("GET manifest", FaultyRegistry.Status(503), times: 10);
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("app", "v1"));
        Assert.Equal(503, e.StatusCode);
        Assert.Contains("UNAVAILABLE", e.ErrorCodes);
        Assert.Contains("try again", e.Message);
    }

    [Fact]
    public async Task Tags_are_listed()
    {
        TestImages.Add(_registry, "app", "v1");
        TestImages.Add(_registry, "app", "v2");
        using var client = Client();
        Assert.Equal(["v1", "v2"], await client.ListTagsAsync("app"));
    }
}
