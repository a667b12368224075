using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kist.Oci;
using Kist.Registry.Server.Storage;
using Kist.Registry.Server.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Kist.Registry.Server.Tests.Operations;

public sealed class OperationsTests
{
    private sealed class CapturingLogger(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
                lines.Enqueue(string.Join(" ", fields.Where(f => f.Key != "{OriginalFormat}").Select(f => $"{f.Key}={f.Value}")));
        }
        public void Dispose() { }
    }

    [Fact]
    public async Task Metrics_health_and_structured_request_logs()
    {
        var lines = new ConcurrentQueue<string>();
        using var dir = new TempDir();
        var options = new RegistryOptions { Address = "127.0.0.1:0", StoragePath = dir.Combine("s") };
        await using var host = await RegistryHost.StartAsync(options, b => b.AddProvider(new CapturingLogger(lines)));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        var blob = Proto.RandomBytes(12345);
        await client.PushBlobAsync("m", blob);
        Assert.Equal(blob, await client.GetByteArrayAsync($"/v2/m/blobs/{Digest.Compute(blob)}"));
        using (await client.GetAsync("/v2/m/manifests/missing")) { }

        using var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("ok", await health.Content.ReadAsStringAsync());

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("kist_registry_http_requests_total{method=\"POST\",route=\"uploads\",status=\"201\"} 1", metrics);
        Assert.Contains("kist_registry_http_requests_total{method=\"GET\",route=\"manifests\",status=\"404\"} 1", metrics);
        Assert.Contains("kist_registry_bytes_received_total 12345", metrics);
        long sent = long.Parse(metrics.Split('\n').Single(l => l.StartsWith("kist_registry_bytes_sent_total ")).Split(' ')[1]);
        Assert.InRange(sent, 12345, 12345 + 1000); // the blob and small error bodies
        Assert.Contains("kist_registry_http_request_duration_seconds_bucket{route=\"blobs\",le=\"+Inf\"} 1", metrics);
        Assert.Contains("# TYPE kist_registry_http_request_duration_seconds histogram", metrics);

        Assert.Contains(lines, l => l.Contains("Method=POST") && l.Contains("Path=/v2/m/blobs/uploads/") && l.Contains("Status=201") && l.Contains("BytesIn=12345") && l.Contains("DurationMs="));
        Assert.Contains(lines, l => l.Contains("Method=GET") && l.Contains("Status=404") && l.Contains("User=-"));
    }

    [Fact]
    public async Task Graceful_shutdown_finishes_a_running_upload()
    {
        using var dir = new TempDir();
        var options = new RegistryOptions { Address = "127.0.0.1:0", StoragePath = dir.Combine("s"), LogRequests = false, ShutdownTimeout = TimeSpan.FromSeconds(30) };
        var host = await RegistryHost.StartAsync(options, _ => { });
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using var start = await client.PostAsync("/v2/slow/blobs/uploads/", null);
        var location = start.Headers.Location!.OriginalString;

        var bytes = Proto.RandomBytes(200_000);
        // A raw PATCH whose body arrives in two halves, with the shutdown in between.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {bytes.Length}\r\nContent-Type: application/octet-stream\r\n\r\n"));
        await stream.WriteAsync(bytes.AsMemory(0, 100_000));
        await stream.FlushAsync();
        await WaitUntil(() => host.Api.Metrics.UploadsInProgress == 1);

        var stopping = host.StopAsync();
        await Task.Delay(500);
        Assert.False(stopping.IsCompleted, "shutdown must wait for the upload");
        // New connections are no longer accepted.
        using (var late = new TcpClient())
        {
            await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port));
        }
        await stream.WriteAsync(bytes.AsMemory(100_000));
        var response = await new StreamReader(stream, Encoding.ASCII).ReadLineAsync();
        Assert.StartsWith("HTTP/1.1 202", response);
        await stopping;
        await host.DisposeAsync();

        // The upload is complete on disk: a new server finishes it.
        await using var again = await RegistryHost.StartAsync(new RegistryOptions { Address = "127.0.0.1:0", StoragePath = dir.Combine("s"), LogRequests = false }, _ => { });
        using var client2 = new HttpClient { BaseAddress = again.BaseAddress };
        using var put = await client2.PutAsync($"{location}?digest={Digest.Compute(bytes)}", null);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition());
    }
}

public sealed class GarbageCollectorTests
{
    [Fact]
    public async Task Gc_removes_unreferenced_blobs_keeps_referenced_and_shared_ones_and_dry_run_removes_nothing()
    {
        await using var registry = await TestRegistry.StartAsync();
        var client = registry.Client;
        var shared = Proto.RandomBytes(1000);
        var onlyB = Proto.RandomBytes(1000);
        var (a, aBytes) = await client.PushImageAsync("app", "a", [shared, Proto.RandomBytes(500)]);
        var (b, _) = await client.PushImageAsync("app", "b", [shared, onlyB]);
        var orphan = await client.PushBlobAsync("app", Proto.RandomBytes(300));
        var (child, childBytes) = await client.PushImageAsync("multi", "amd64", [Proto.RandomBytes(10)]);
        var index = OciDocuments.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [new Descriptor { MediaType = MediaTypes.OciManifest, Digest = child, Size = childBytes.Length }] }, OciJsonContext.Default.ImageIndex);
        await client.PutManifestAsync("multi", "latest", index, MediaTypes.OciIndex);
        await client.DeleteAsync("/v2/multi/manifests/amd64"); // the tag only: the index still holds the child
        using (var del = await client.DeleteAsync($"/v2/app/manifests/{b}")) Assert.Equal(HttpStatusCode.Accepted, del.StatusCode);

        var before = await Count(registry.Storage);
        var dry = await GarbageCollector.CollectAsync(registry.Storage, TimeSpan.Zero, TimeSpan.FromDays(1), dryRun: true);
        var expected = new[] { b, Digest.Compute(onlyB), orphan };
        Assert.Subset(dry.Removed.Select(r => r.Digest).ToHashSet(), expected.ToHashSet());
        Assert.Equal(4, dry.Removed.Count); // b's manifest, its config, onlyB, the orphan
        Assert.Equal(before, await Count(registry.Storage));

        var report = await GarbageCollector.CollectAsync(registry.Storage, TimeSpan.Zero, TimeSpan.FromDays(1), dryRun: false);
        Assert.Equal(dry.Removed.Select(r => r.Digest).Order(), report.Removed.Select(r => r.Digest).Order());
        Assert.Equal(before - 4, await Count(registry.Storage));
        Assert.Equal(aBytes, await client.GetByteArrayAsync("/v2/app/manifests/a"));
        Assert.Equal(shared, await client.GetByteArrayAsync($"/v2/app/blobs/{Digest.Compute(shared)}"));
        using (var r = await client.GetAsync($"/v2/app/blobs/{orphan}")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var r = await client.GetAsync($"/v2/multi/manifests/{child}")) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.False(await registry.Storage.HasBlobLinkAsync("app", orphan)); // stale links are cleaned
        Assert.Equal(a, Digest.Compute(aBytes));
    }

    [Fact]
    public async Task Gc_keeps_recent_blobs_and_removes_stale_uploads()
    {
        var storage = new InMemoryRegistryStorage();
        var u = await storage.StartUploadAsync("r");
        var fresh = Digest.Compute([1]);
        var up = await storage.StartUploadAsync("r");
        await storage.AppendUploadAsync("r", up.Id, 0, new MemoryStream([1]), 10);
        await storage.CompleteUploadAsync("r", up.Id, fresh);
        var report = await GarbageCollector.CollectAsync(storage, TimeSpan.FromHours(1), TimeSpan.Zero, dryRun: false);
        Assert.Empty(report.Removed);
        Assert.Contains(report.StaleUploads, s => s.Id == u.Id);
        Assert.Null(await storage.GetUploadAsync("r", u.Id));
        storage.SetLastUsed(fresh, DateTimeOffset.UtcNow.AddHours(-2));
        Assert.Single((await GarbageCollector.CollectAsync(storage, TimeSpan.FromHours(1), TimeSpan.Zero, dryRun: false)).Removed);
    }

    [Fact]
    public async Task Gc_running_alongside_pushes_loses_nothing()
    {
        await using var registry = await TestRegistry.StartAsync();
        var storageRoot = Path.Combine(registry.Dir, "storage");
        // Old garbage that the concurrent collections should remove.
        var garbage = await registry.Client.PushBlobAsync("old", Proto.RandomBytes(100));
        var garbageFile = ((FileSystemRegistryStorage)registry.Storage).BlobFilePath(garbage);
        File.SetLastWriteTimeUtc(garbageFile, DateTime.UtcNow.AddHours(-3));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var pushed = new ConcurrentBag<(string Repo, string Tag, byte[] Layer)>();
        var shared = Proto.RandomBytes(20_000);
        var pushers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            using var client = registry.NewClient();
            int i = 0;
            while (!stop.IsCancellationRequested)
            {
                var layer = Proto.RandomBytes(10_000);
                await client.PushImageAsync($"push/w{w}", $"t{i}", [layer, shared]);
                pushed.Add(($"push/w{w}", $"t{i}", layer));
                i++;
            }
        })).ToList();
        int collections = 0;
        var gc = Task.Run(async () =>
        {
            var collector = new FileSystemRegistryStorage(storageRoot); // as `kist registry gc` in another process would
            while (!stop.IsCancellationRequested)
            {
                await GarbageCollector.CollectAsync(collector, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1), dryRun: false);
                collections++;
            }
        });
        await Task.WhenAll([.. pushers, gc]);
        Assert.True(collections > 0);
        Assert.False(File.Exists(garbageFile));
        Assert.NotEmpty(pushed);
        foreach (var (repo, tag, layer) in pushed)
        {
            Assert.Equal(layer, await registry.Client.GetByteArrayAsync($"/v2/{repo}/blobs/{Digest.Compute(layer)}"));
            Assert.Equal(HttpStatusCode.OK, (await registry.Client.GetAsync($"/v2/{repo}/manifests/{tag}")).StatusCode);
        }
    }

    private static async Task<int> Count(IRegistryStorage storage)
    {
        int n = 0;
        await foreach (var _ in storage.ListBlobsAsync()) n++;
        return n;
    }
}
