using System.Net;
using System.Text;
using Kist.Oci;
using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Protocol;

public sealed class BaseAndManifestTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;
    private HttpClient Client => _registry.Client;

    public async Task InitializeAsync() => _registry = await TestRegistry.StartAsync();
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task Base_endpoint_answers_200_with_api_version_header()
    {
        using var response = await Client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Header("Docker-Distribution-API-Version"));
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        using var noSlash = await Client.GetAsync("/v2");
        Assert.Equal(HttpStatusCode.OK, noSlash.StatusCode);
    }

    [Fact]
    public async Task Errors_carry_the_api_version_header_and_an_oci_body()
    {
        using var response = await Client.GetAsync("/v2/nothing/manifests/latest");
        await response.AssertErrorAsync(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        Assert.Equal("registry/2.0", response.Header("Docker-Distribution-API-Version"));
    }

    [Theory]
    [InlineData(MediaTypes.OciManifest)]
    [InlineData(MediaTypes.DockerManifest)]
    public async Task Manifest_put_by_tag_then_get_and_head_by_tag_and_digest(string mediaType)
    {
        var (digest, bytes) = await Client.PushImageAsync("library/app", "v1", [Proto.RandomBytes(1000)], mediaType);
        foreach (var reference in new[] { "v1", digest.ToString() })
        {
            using var get = await Client.GetAsync($"/v2/library/app/manifests/{reference}");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(mediaType, get.Content.Headers.ContentType?.MediaType);
            Assert.Equal(digest.ToString(), get.Header("Docker-Content-Digest"));
            Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());

            using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/library/app/manifests/{reference}"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(bytes.Length, head.Content.Headers.ContentLength);
            Assert.Equal(digest.ToString(), head.Header("Docker-Content-Digest"));
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Manifest_put_answers_location_and_digest_and_keeps_exact_bytes()
    {
        var config = await Client.PushBlobAsync("r", Encoding.UTF8.GetBytes("{}"));
        // Unusual whitespace and key order: the registry must store these bytes, not a re-serialization.
        var bytes = Encoding.UTF8.GetBytes($"{{ \"schemaVersion\" : 2,\n  \"mediaType\": \"{MediaTypes.OciManifest}\", \"layers\": [],\n \"config\": {{\"mediaType\":\"{MediaTypes.OciEmpty}\",\"size\":2,\"digest\":\"{config}\"}} }}");
        using var response = await Client.PutManifestRawAsync("r", "t", bytes, MediaTypes.OciManifest);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var digest = Digest.Compute(bytes);
        Assert.Equal($"/v2/r/manifests/{digest}", response.Headers.Location?.OriginalString);
        Assert.Equal(digest.ToString(), response.Header("Docker-Content-Digest"));
        Assert.Equal(bytes, await Client.GetByteArrayAsync($"/v2/r/manifests/{digest}"));
    }

    [Theory]
    [InlineData(MediaTypes.OciIndex)]
    [InlineData(MediaTypes.DockerManifestList)]
    public async Task Index_put_requires_its_children_and_is_served_with_its_media_type(string mediaType)
    {
        var childMediaType = mediaType == MediaTypes.OciIndex ? MediaTypes.OciManifest : MediaTypes.DockerManifest;
        var (child, childBytes) = await Client.PushImageAsync("multi", "amd64", [Proto.RandomBytes(10)], childMediaType);
        var index = new ImageIndex
        {
            MediaType = mediaType,
            Manifests = [new Descriptor { MediaType = childMediaType, Digest = child, Size = childBytes.Length, Platform = new Platform { Architecture = "amd64", Os = "linux" } }],
        };
        var bytes = OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex);
        var digest = await Client.PutManifestAsync("multi", "latest", bytes, mediaType);
        using var get = await Client.GetAsync("/v2/multi/manifests/latest");
        Assert.Equal(mediaType, get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(digest.ToString(), get.Header("Docker-Content-Digest"));

        var missing = index with { Manifests = [index.Manifests[0] with { Digest = Digest.Compute("absent"u8) }] };
        using var bad = await Client.PutManifestRawAsync("multi", "broken", OciDocuments.Serialize(missing, OciJsonContext.Default.ImageIndex), mediaType);
        await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
    }

    [Fact]
    public async Task Manifest_naming_an_absent_blob_is_refused_with_manifest_blob_unknown()
    {
        var config = await Client.PushBlobAsync("r", "{}"u8.ToArray());
        var absent = Digest.Compute("not uploaded"u8);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = config, Size = 2 },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = absent, Size = 12 }],
        };
        using var response = await Client.PutManifestRawAsync("r", "t", OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest), MediaTypes.OciManifest);
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        using var get = await Client.GetAsync("/v2/r/manifests/t");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Manifest_naming_a_blob_of_another_repository_is_refused()
    {
        var layer = Proto.RandomBytes(100);
        await Client.PushImageAsync("owner", "t", [layer]);
        var config = await Client.PushBlobAsync("other", "{}"u8.ToArray());
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = config, Size = 2 },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(layer), Size = layer.Length }],
        };
        using var response = await Client.PutManifestRawAsync("other", "t", OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest), MediaTypes.OciManifest);
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
    }

    [Fact]
    public async Task Manifest_put_by_digest_must_match_the_body()
    {
        var (_, bytes) = await Client.PushImageAsync("r", "t", []);
        var wrong = Digest.Compute("something else"u8);
        using var response = await Client.PutManifestRawAsync("r", wrong.ToString(), bytes, MediaTypes.OciManifest);
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        var right = Digest.Compute(bytes);
        Assert.Equal(right, await Client.PutManifestAsync("r", right.ToString(), bytes, MediaTypes.OciManifest));
    }

    [Fact]
    public async Task Manifests_over_4_MiB_are_refused_with_413()
    {
        var big = new byte[OciDocuments.MaxManifestBytes + 1];
        Array.Fill(big, (byte)' ');
        big[0] = (byte)'{';
        big[^1] = (byte)'}';
        using var response = await Client.PutManifestRawAsync("r", "big", big, MediaTypes.OciManifest);
        await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");

        // Without Content-Length (chunked), the limit holds while reading.
        var content = new StreamContent(new MemoryStream(big));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaTypes.OciManifest);
        var request = new HttpRequestMessage(HttpMethod.Put, "/v2/r/manifests/big2") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var chunked = await Client.SendAsync(request);
        await chunked.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");
    }

    [Theory]
    [InlineData("not json", MediaTypes.OciManifest)]
    [InlineData("[1,2]", MediaTypes.OciManifest)]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}", MediaTypes.OciManifest)]
    [InlineData("{\"schemaVersion\":1,\"name\":\"r\",\"tag\":\"t\",\"fsLayers\":[]}", MediaTypes.DockerManifestV1Signed)]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}", MediaTypes.OciManifest)]
    [InlineData("{\"schemaVersion\":2}", "text/plain")]
    public async Task Malformed_or_unsupported_manifests_are_manifest_invalid(string body, string mediaType)
    {
        using var response = await Client.PutManifestRawAsync("r", "bad", Encoding.UTF8.GetBytes(body), mediaType);
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task A_manifest_referencing_itself_is_refused_and_nothing_is_stored()
    {
        // An index that names, as child and as subject, the digest it is pushed under.
        var self = Digest.Compute("placeholder"u8);
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [new Descriptor { MediaType = MediaTypes.OciIndex, Digest = self, Size = 100 }],
            Subject = new Descriptor { MediaType = MediaTypes.OciIndex, Digest = self, Size = 100 },
        };
        using var byDigest = await Client.PutManifestRawAsync("loop", self.ToString(), OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex), MediaTypes.OciIndex);
        await byDigest.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using var byTag = await Client.PutManifestRawAsync("loop", "t", OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex), MediaTypes.OciIndex);
        await byTag.AssertErrorAsync(HttpStatusCode.BadRequest, "MANIFEST_BLOB_UNKNOWN");
        Assert.False(await _registry.Storage.RepositoryExistsAsync("loop"));
    }

    [Fact]
    public async Task Content_type_that_contradicts_the_documents_media_type_is_refused()
    {
        var (_, bytes) = await Client.PushImageAsync("r", "t", []);
        using var response = await Client.PutManifestRawAsync("r", "t2", bytes, MediaTypes.DockerManifest);
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "MANIFEST_INVALID");
    }

    [Fact]
    public async Task Manifest_without_media_type_field_takes_the_content_type()
    {
        var config = await Client.PushBlobAsync("r", "{}"u8.ToArray());
        var bytes = Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"config\":{{\"mediaType\":\"{MediaTypes.OciConfig}\",\"size\":2,\"digest\":\"{config}\"}},\"layers\":[]}}");
        await Client.PutManifestAsync("r", "plain", bytes, MediaTypes.OciManifest);
        using var get = await Client.GetAsync("/v2/r/manifests/plain");
        Assert.Equal(MediaTypes.OciManifest, get.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Get_unknown_manifest_by_tag_or_digest_is_manifest_unknown_and_bad_references_are_invalid()
    {
        await Client.PushImageAsync("r", "t", []);
        using (var r = await Client.GetAsync("/v2/r/manifests/nope")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var r = await Client.GetAsync($"/v2/r/manifests/{Digest.Compute("x"u8)}")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var r = await Client.GetAsync("/v2/r/manifests/sha256:1234")) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var r = await Client.GetAsync("/v2/r/manifests/md5:d41d8cd98f00b204e9800998ecf8427e")) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var r = await Client.GetAsync("/v2/r/manifests/-bad")) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "TAG_INVALID");
        using (var r = await Client.PutManifestRawAsync("r", new string('a', 129), "{}"u8.ToArray(), MediaTypes.OciManifest)) await r.AssertErrorAsync(HttpStatusCode.BadRequest, "TAG_INVALID");
    }

    [Fact]
    public async Task Delete_manifest_by_digest_removes_it_and_its_tags_delete_by_tag_removes_only_the_tag()
    {
        var (a, _) = await Client.PushImageAsync("r", "a", [Proto.RandomBytes(10)]);
        await Client.PutManifestAsync("r", "a2", await Client.GetByteArrayAsync("/v2/r/manifests/a"), MediaTypes.OciManifest);
        var (b, _) = await Client.PushImageAsync("r", "b", [Proto.RandomBytes(10)]);

        using (var del = await Client.DeleteAsync($"/v2/r/manifests/{a}")) Assert.Equal(HttpStatusCode.Accepted, del.StatusCode);
        using (var r = await Client.GetAsync($"/v2/r/manifests/{a}")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var r = await Client.GetAsync("/v2/r/manifests/a2")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var r = await Client.DeleteAsync($"/v2/r/manifests/{a}")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");

        using (var del = await Client.DeleteAsync("/v2/r/manifests/b")) Assert.Equal(HttpStatusCode.Accepted, del.StatusCode);
        using (var r = await Client.GetAsync("/v2/r/manifests/b")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
        using (var r = await Client.GetAsync($"/v2/r/manifests/{b}")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var tags = await Client.GetStringAsync("/v2/r/tags/list");
        Assert.Equal("{\"name\":\"r\",\"tags\":[]}", tags);
    }

    [Fact]
    public async Task Retagging_moves_the_tag()
    {
        var (a, _) = await Client.PushImageAsync("r", "latest", [Proto.RandomBytes(10)]);
        var (b, _) = await Client.PushImageAsync("r", "latest", [Proto.RandomBytes(10)]);
        Assert.NotEqual(a, b);
        using var get = await Client.GetAsync("/v2/r/manifests/latest");
        Assert.Equal(b.ToString(), get.Header("Docker-Content-Digest"));
    }

    [Fact]
    public async Task Unknown_endpoints_and_methods_are_refused()
    {
        using (var r = await Client.GetAsync("/v2/r/whatever")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var r = await Client.PostAsync("/v2/r/manifests/t", new ByteArrayContent([]))) await r.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
        using (var r = await Client.PutAsync("/v2/r/tags/list", new ByteArrayContent([]))) await r.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "UNSUPPORTED");
    }
}
