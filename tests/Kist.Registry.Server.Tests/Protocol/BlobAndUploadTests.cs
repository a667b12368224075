using System.Net;
using System.Net.Http.Headers;
using Kist.Oci;
using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Protocol;

public sealed class BlobAndUploadTests : IAsyncLifetime
{
    private TestRegistry _registry = null!;
    private HttpClient Client => _registry.Client;

    public async Task InitializeAsync() => _registry = await TestRegistry.StartAsync((o, _) => o.MaxChunkBytes = 1 << 20);
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private async Task<string> StartUploadAsync(string repo)
    {
        using var response = await Client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("0-0", response.Header("Range"));
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith($"/v2/{repo}/blobs/uploads/", location);
        Assert.Equal(location.Split('/')[^1], response.Header("Docker-Upload-UUID"));
        return location;
    }

    private static HttpRequestMessage Patch(string location, byte[] chunk, long? start)
    {
        var content = new ByteArrayContent(chunk);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
        if (start is { } s) request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{s}-{s + chunk.Length - 1}");
        return request;
    }

    [Fact]
    public async Task Monolithic_post_with_digest_creates_the_blob()
    {
        var bytes = Proto.RandomBytes(5000);
        var digest = Proto.DigestOf(bytes);
        using var response = await Client.PostAsync($"/v2/r/blobs/uploads/?digest={digest}", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/v2/r/blobs/{digest}", response.Headers.Location?.OriginalString);
        Assert.Equal(digest.ToString(), response.Header("Docker-Content-Digest"));
        Assert.Equal(bytes, await Client.GetByteArrayAsync($"/v2/r/blobs/{digest}"));
    }

    [Fact]
    public async Task Post_then_put_with_the_whole_blob()
    {
        var bytes = Proto.RandomBytes(3000);
        var digest = Proto.DigestOf(bytes);
        var location = await StartUploadAsync("r");
        using var put = await Client.PutAsync($"{location}?digest={digest}", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(digest.ToString(), put.Header("Docker-Content-Digest"));
        Assert.Equal(bytes, await Client.GetByteArrayAsync($"/v2/r/blobs/{digest}"));
        using var after = await Client.GetAsync(location);
        await after.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task Chunked_upload_with_content_range_status_and_final_put()
    {
        var bytes = Proto.RandomBytes(10_000);
        var location = await StartUploadAsync("chunky/repo");
        long offset = 0;
        foreach (var size in new[] { 4000, 1, 3999, 2000 })
        {
            using var patch = await Client.SendAsync(Patch(location, bytes[(int)offset..(int)(offset + size)], offset));
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
            offset += size;
            Assert.Equal($"0-{offset - 1}", patch.Header("Range"));
            location = patch.Headers.Location!.OriginalString;
            using var status = await Client.GetAsync(location);
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal($"0-{offset - 1}", status.Header("Range"));
        }
        var digest = Proto.DigestOf(bytes);
        using var put = await Client.PutAsync($"{location}?digest={digest}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(bytes, await Client.GetByteArrayAsync($"/v2/chunky/repo/blobs/{digest}"));
    }

    [Fact]
    public async Task Patch_without_content_range_streams_and_final_put_carries_the_last_chunk()
    {
        var bytes = Proto.RandomBytes(50_000);
        var location = await StartUploadAsync("r");
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new StreamContent(new MemoryStream(bytes[..30_000])) };
        request.Headers.TransferEncodingChunked = true;
        using var patch = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        Assert.Equal("0-29999", patch.Header("Range"));
        var put = new HttpRequestMessage(HttpMethod.Put, $"{location}?digest={Proto.DigestOf(bytes)}") { Content = new ByteArrayContent(bytes[30_000..]) };
        put.Content.Headers.TryAddWithoutValidation("Content-Range", "30000-49999");
        using var done = await Client.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        Assert.Equal(bytes, await Client.GetByteArrayAsync($"/v2/r/blobs/{Proto.DigestOf(bytes)}"));
    }

    [Fact]
    public async Task Out_of_order_chunk_is_416_with_the_current_range_and_the_upload_resumes()
    {
        var bytes = Proto.RandomBytes(6000);
        var location = await StartUploadAsync("r");
        using (var first = await Client.SendAsync(Patch(location, bytes[..2000], 0))) Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using (var gap = await Client.SendAsync(Patch(location, bytes[4000..], 4000)))
        {
            await gap.AssertErrorAsync(HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
            Assert.Equal("0-1999", gap.Header("Range"));
            Assert.Equal(location, gap.Headers.Location?.OriginalString);
        }
        using (var overlap = await Client.SendAsync(Patch(location, bytes[1000..3000], 1000)))
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, overlap.StatusCode);

        // Resume: ask where the upload is, continue from there.
        using var status = await Client.GetAsync(location);
        long next = long.Parse(status.Header("Range").Split('-')[1]) + 1;
        Assert.Equal(2000, next);
        using (var rest = await Client.SendAsync(Patch(location, bytes[(int)next..], next))) Assert.Equal(HttpStatusCode.Accepted, rest.StatusCode);
        using var put = await Client.PutAsync($"{location}?digest={Proto.DigestOf(bytes)}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    [Fact]
    public async Task Content_range_that_disagrees_with_content_length_is_416()
    {
        var location = await StartUploadAsync("r");
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(new byte[10]) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", "0-19");
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
    }

    [Fact]
    public async Task Oversized_chunks_are_refused_with_413_and_leave_the_upload_unchanged()
    {
        var location = await StartUploadAsync("r");
        using (var ok = await Client.SendAsync(Patch(location, new byte[1000], 0))) Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        using (var big = await Client.SendAsync(Patch(location, new byte[(1 << 20) + 1], 1000)))
            await big.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "SIZE_INVALID");
        // Streamed without a length: refused while reading, the partial chunk is discarded.
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new StreamContent(new MemoryStream(new byte[3 << 20])) };
        request.Headers.TransferEncodingChunked = true;
        using (var streamed = await Client.SendAsync(request)) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        using var status = await Client.GetAsync(location);
        Assert.Equal("0-999", status.Header("Range"));
    }

    [Fact]
    public async Task Digest_mismatch_is_refused_and_leaves_nothing()
    {
        var bytes = Proto.RandomBytes(1000);
        var claimed = Digest.Compute("other"u8);
        using (var mono = await Client.PostAsync($"/v2/r/blobs/uploads/?digest={claimed}", new ByteArrayContent(bytes)))
            await mono.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        var location = await StartUploadAsync("r");
        using (var put = await Client.PutAsync($"{location}?digest={claimed}", new ByteArrayContent(bytes)))
            await put.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var status = await Client.GetAsync(location)) await status.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/r/blobs/{claimed}"))) Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Null(await _registry.Storage.StatBlobAsync(claimed));
        Assert.Null(await _registry.Storage.StatBlobAsync(Proto.DigestOf(bytes)));
        await foreach (var _ in _registry.Storage.ListUploadsAsync()) Assert.Fail("an upload was left behind");
        Assert.Empty(Directory.GetFiles(Path.Combine(_registry.Dir, "storage", "blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Sha512_digests_are_verified_too()
    {
        var bytes = Proto.RandomBytes(777);
        var digest = Digest.FromHash(Digest.Sha512, System.Security.Cryptography.SHA512.HashData(bytes));
        using var response = await Client.PostAsync($"/v2/r/blobs/uploads/?digest={digest}", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(bytes, await Client.GetByteArrayAsync($"/v2/r/blobs/{digest}"));
    }

    [Fact]
    public async Task Put_without_digest_or_with_invalid_digest_is_digest_invalid()
    {
        var location = await StartUploadAsync("r");
        using (var none = await Client.PutAsync(location, null)) await none.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var bad = await Client.PutAsync($"{location}?digest=sha256:abc", null)) await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
        using (var bad = await Client.PostAsync("/v2/r/blobs/uploads/?digest=sha256:ZZ", new ByteArrayContent([1]))) await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task Cancel_upload_then_it_is_unknown()
    {
        var location = await StartUploadAsync("r");
        using (var del = await Client.DeleteAsync(location)) Assert.Equal(HttpStatusCode.NoContent, del.StatusCode);
        using (var status = await Client.GetAsync(location)) await status.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var again = await Client.DeleteAsync(location)) await again.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var patch = await Client.SendAsync(Patch(location, [1, 2], 0))) await patch.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task Upload_ids_are_bound_to_their_repository_and_garbage_ids_are_unknown()
    {
        var location = await StartUploadAsync("one");
        var id = location.Split('/')[^1];
        using (var r = await Client.GetAsync($"/v2/two/blobs/uploads/{id}")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var r = await Client.GetAsync("/v2/one/blobs/uploads/not-an-id")) await r.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
        using (var r = await Client.GetAsync("/v2/one/blobs/uploads/..%2F..%2Fetc")) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task Blob_get_head_range_and_delete()
    {
        var bytes = Proto.RandomBytes(10_000);
        var digest = await Client.PushBlobAsync("r", bytes);

        using (var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/r/blobs/{digest}")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(10_000, head.Content.Headers.ContentLength);
            Assert.Equal(digest.ToString(), head.Header("Docker-Content-Digest"));
        }
        var range = new HttpRequestMessage(HttpMethod.Get, $"/v2/r/blobs/{digest}");
        range.Headers.Range = new RangeHeaderValue(100, 199);
        using (var partial = await Client.SendAsync(range))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal("bytes 100-199/10000", partial.Content.Headers.ContentRange?.ToString());
            Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());
        }
        var tail = new HttpRequestMessage(HttpMethod.Get, $"/v2/r/blobs/{digest}");
        tail.Headers.Range = new RangeHeaderValue(9000, null);
        using (var t = await Client.SendAsync(tail)) Assert.Equal(bytes[9000..], await t.Content.ReadAsByteArrayAsync());
        var suffix = new HttpRequestMessage(HttpMethod.Get, $"/v2/r/blobs/{digest}");
        suffix.Headers.Range = new RangeHeaderValue(null, 100);
        using (var t = await Client.SendAsync(suffix))
        {
            Assert.Equal(HttpStatusCode.PartialContent, t.StatusCode);
            Assert.Equal(bytes[9900..], await t.Content.ReadAsByteArrayAsync());
        }
        var beyondEnd = new HttpRequestMessage(HttpMethod.Get, $"/v2/r/blobs/{digest}");
        beyondEnd.Headers.Range = new RangeHeaderValue(9990, 20_000);
        using (var t = await Client.SendAsync(beyondEnd)) Assert.Equal(bytes[9990..], await t.Content.ReadAsByteArrayAsync());
        var beyond = new HttpRequestMessage(HttpMethod.Get, $"/v2/r/blobs/{digest}");
        beyond.Headers.Range = new RangeHeaderValue(20_000, 30_000);
        using (var b = await Client.SendAsync(beyond)) Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, b.StatusCode);

        using (var other = await Client.GetAsync($"/v2/other/blobs/{digest}")) await other.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        using (var del = await Client.DeleteAsync($"/v2/r/blobs/{digest}")) Assert.Equal(HttpStatusCode.Accepted, del.StatusCode);
        using (var gone = await Client.GetAsync($"/v2/r/blobs/{digest}")) await gone.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        using (var again = await Client.DeleteAsync($"/v2/r/blobs/{digest}")) await again.AssertErrorAsync(HttpStatusCode.NotFound, "BLOB_UNKNOWN");
        using (var bad = await Client.GetAsync("/v2/r/blobs/sha256:nothex")) await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "DIGEST_INVALID");
    }

    [Fact]
    public async Task Blobs_are_shared_between_repositories_on_disk()
    {
        var bytes = Proto.RandomBytes(1234);
        var digest = await Client.PushBlobAsync("a", bytes);
        await Client.PushBlobAsync("b", bytes);
        var files = Directory.GetFiles(Path.Combine(_registry.Dir, "storage", "blobs"), digest.Encoded, SearchOption.AllDirectories);
        Assert.Single(files);
    }

    [Fact]
    public async Task Cross_repository_mount_links_the_blob_without_upload()
    {
        var bytes = Proto.RandomBytes(2000);
        var digest = await Client.PushBlobAsync("source", bytes);
        using var mount = await Client.PostAsync($"/v2/target/blobs/uploads/?mount={digest}&from=source", null);
        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        Assert.Equal($"/v2/target/blobs/{digest}", mount.Headers.Location?.OriginalString);
        Assert.Equal(digest.ToString(), mount.Header("Docker-Content-Digest"));
        Assert.Equal(bytes, await Client.GetByteArrayAsync($"/v2/target/blobs/{digest}"));

        // Mount of a blob the source does not have: an ordinary upload session instead.
        var absent = Digest.Compute("absent"u8);
        using var fallback = await Client.PostAsync($"/v2/target/blobs/uploads/?mount={absent}&from=source", null);
        Assert.Equal(HttpStatusCode.Accepted, fallback.StatusCode);
        Assert.Contains("/v2/target/blobs/uploads/", fallback.Headers.Location!.OriginalString);
        foreach (var from in new[] { "..%2Fsource", "Source", "source%2F..%2Fsource" })
        {
            using var bad = await Client.PostAsync($"/v2/target2/blobs/uploads/?mount={digest}&from={from}", null);
            Assert.Equal(HttpStatusCode.Accepted, bad.StatusCode);
        }
        Assert.False(await _registry.Storage.HasBlobLinkAsync("target2", digest));
    }
}
