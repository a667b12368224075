using Kist.Oci;
using Kist.Registry.Tests.Support;
using Kist.Registry.Uploads;

namespace Kist.Registry.Tests;

public sealed class BlobTests : IAsyncLifetime
{
    private FaultyRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await FaultyRegistry.StartAsync();
    public async Task DisposeAsync() => await _registry.DisposeAsync();

    private RegistryClient Client(long chunkSize = 0) =>
        new(_registry.Host, new RegistryClientOptions { RetryDelay = TimeSpan.FromMilliseconds(10), ChunkSize = chunkSize });

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public async Task Body_cut_short_is_resumed_with_range()
    {
        var bytes = FaultyRegistry.RandomBytes(1_000_000);
        var digest = _registry.AddBlob(bytes);
        _registry.Fault("GET blob", async c =>
        {
            c.Response.ContentLength = bytes.Length;
            await c.Response.Body.WriteAsync(bytes.AsMemory(0, 400_000));
            await c.Response.Body.FlushAsync();
            c.Abort();
        });
        using var client = Client();
        await using var stream = await client.OpenBlobAsync("app", new Descriptor { MediaType = "x", Digest = digest, Size = bytes.Length });
        Assert.Equal(bytes, await ReadAllAsync(stream));
        Assert.Contains(_registry.Requests, r => r.StartsWith("GET /v2/app/blobs/") && r.Contains(" bytes=") && !r.EndsWith("bytes=0-"));
    }

    [Fact]
    public async Task Blob_that_never_completes_gives_up_with_a_clear_error()
    {
        var bytes = FaultyRegistry.RandomBytes(100_000);
        var digest = _registry.AddBlob(bytes);
        _registry.Fault("GET blob", async c =>
        {
            c.Response.ContentLength = bytes.Length;
            await c.Response.Body.WriteAsync(bytes.AsMemory(0, 10));
            await c.Response.Body.FlushAsync();
            c.Abort();
        }, times: 200);
        using var client = Client();
        var e = await Assert.ThrowsAsync<RegistryException>(async () =>
        {
            await using var stream = await client.OpenBlobAsync("app", new Descriptor { MediaType = "x", Digest = digest, Size = bytes.Length });
            await ReadAllAsync(stream);
        });
        Assert.Contains(digest.ToString(), e.Message);
    }

    [Fact]
    public async Task Blob_longer_than_announced_is_refused()
    {
        var bytes = FaultyRegistry.RandomBytes(1000);
        var digest = _registry.AddBlob(bytes);
        using var client = Client();
        await using var stream = await client.OpenBlobAsync("app", new Descriptor { MediaType = "x", Digest = digest, Size = 500 });
        await Assert.ThrowsAsync<DigestMismatchException>(() => ReadAllAsync(stream));
    }

    [Fact]
    public async Task Missing_blob_is_a_clear_404()
    {
        using var client = Client();
        var digest = Digest.Compute([1, 2, 3]);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.OpenBlobAsync("app", new Descriptor { MediaType = "x", Digest = digest, Size = 3 }));
        Assert.Equal(404, e.StatusCode);
        Assert.Contains("blob unknown", e.Message);
        Assert.False(await client.BlobExistsAsync("app", digest));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100_000)]
    public async Task Upload_monolithic_and_chunked(long chunkSize)
    {
        var bytes = FaultyRegistry.RandomBytes(350_001);
        var blob = new Descriptor { MediaType = "x", Digest = Digest.Compute(bytes), Size = bytes.Length };
        using var client = Client(chunkSize);
        long reported = 0;
        var result = await client.PushBlobAsync("app", blob, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)), new Progress(v => reported = v));
        Assert.Equal(BlobPushResult.Uploaded, result);
        Assert.Equal(bytes, _registry.Blobs[blob.Digest]);
        Assert.Equal(chunkSize > 0 ? 4 : 0, _registry.Requests.Count(r => r.StartsWith("PATCH")));
        Assert.Equal(BlobPushResult.Existed, await client.PushBlobAsync("app", blob, _ => throw new InvalidOperationException("must not reopen")));
    }

    [Fact]
    public async Task Upload_failing_with_500_is_started_over()
    {
        var bytes = FaultyRegistry.RandomBytes(10_000);
        var blob = new Descriptor { MediaType = "x", Digest = Digest.Compute(bytes), Size = bytes.Length };
        _registry.Fault("PUT upload", FaultyRegistry.Status(500));
        using var client = Client();
        int opened = 0;
        var result = await client.PushBlobAsync("app", blob, _ => { opened++; return ValueTask.FromResult<Stream>(new MemoryStream(bytes)); });
        Assert.Equal(BlobPushResult.Uploaded, result);
        Assert.Equal(2, opened);
        Assert.Equal(2, _registry.Requests.Count(r => r.StartsWith("POST")));
    }

    [Fact]
    public async Task Cross_repository_mount_sends_no_bytes()
    {
        var bytes = FaultyRegistry.RandomBytes(10_000);
        var digest = _registry.AddBlob(bytes);
        _registry.Fault("HEAD blob", async c => c.Response.StatusCode = 404);
        using var client = Client();
        var result = await client.PushBlobAsync("target", new Descriptor { MediaType = "x", Digest = digest, Size = bytes.Length },
            _ => throw new InvalidOperationException("must not upload"), mountFrom: "source");
        Assert.Equal(BlobPushResult.Mounted, result);
        Assert.Contains(_registry.Requests, r => r.StartsWith($"POST /v2/target/blobs/uploads/?mount={digest}&from=source"));
    }

    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
