using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Kist.Oci;
using Kist.Registry.Server.Tests.Support;
using Xunit.Abstractions;

namespace Kist.Registry.Server.Tests.Load;

/// <summary>
/// 50 clients on loopback push and pull distinct and shared images at once for a bounded time
/// (KIST_REGISTRY_LOAD_SECONDS, default 30): every pulled blob is verified, every pushed image is there at the end,
/// and memory stays bounded.
/// </summary>
[Trait("Category", "Load")]
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Clients = 50;

    private sealed record Pushed(string Repo, string Tag, Digest Manifest, IReadOnlyList<Descriptor> Blobs);

    [Fact]
    public async Task Fifty_clients_push_and_pull_at_once_and_nothing_is_lost()
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("KIST_REGISTRY_LOAD_SECONDS"), out var s) ? s : 30;
        await using var registry = await TestRegistry.StartAsync();
        var shared = Enumerable.Range(0, 4).Select(_ => Proto.RandomBytes(4 << 20)).ToArray(); // pushed concurrently by many clients
        var pushed = new ConcurrentBag<Pushed>();
        var pushedList = new List<Pushed>();
        var listLock = new Lock();
        long pushes = 0, pulls = 0, blobsVerified = 0, bytesUp = 0, bytesDown = 0;
        var errors = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long baselineHwm = PeakRss();

        async Task Worker(int id)
        {
            using var client = registry.NewClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 2 });
            var random = new Random(id);
            int round = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (round % 2 == 0 || pushedList.Count == 0)
                    {
                        string repo = $"load/client{id % 10}";
                        var layer = Proto.RandomBytes(random.Next(16 << 10, 3 << 20));
                        var sharedLayer = shared[random.Next(shared.Length)];
                        var blobs = new List<Descriptor>();
                        foreach (var (bytes, chunked) in new[] { (layer, round % 4 == 0), (sharedLayer, false) })
                        {
                            var digest = chunked ? await ChunkedPushAsync(client, repo, bytes) : await client.PushBlobAsync(repo, bytes);
                            blobs.Add(new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = digest, Size = bytes.Length });
                            Interlocked.Add(ref bytesUp, bytes.Length);
                        }
                        var config = System.Text.Encoding.UTF8.GetBytes($"{{\"client\":{id},\"round\":{round}}}");
                        var configDigest = await client.PushBlobAsync(repo, config);
                        var manifest = new ImageManifest
                        {
                            MediaType = MediaTypes.OciManifest,
                            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = config.Length },
                            Layers = blobs,
                        };
                        string tag = $"c{id}-r{round}";
                        var manifestDigest = await client.PutManifestAsync(repo, tag, OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest), MediaTypes.OciManifest);
                        var p = new Pushed(repo, tag, manifestDigest, [manifest.Config, .. blobs]);
                        pushed.Add(p);
                        lock (listLock) pushedList.Add(p);
                        Interlocked.Increment(ref pushes);
                    }
                    else
                    {
                        Pushed target;
                        lock (listLock) target = pushedList[random.Next(pushedList.Count)];
                        using var m = await client.GetAsync($"/v2/{target.Repo}/manifests/{target.Tag}");
                        if (m.StatusCode != HttpStatusCode.OK) throw new Exception($"manifest {target.Repo}:{target.Tag}: {(int)m.StatusCode}");
                        if (Digest.Compute(await m.Content.ReadAsByteArrayAsync()) != target.Manifest) throw new Exception("manifest digest differs");
                        foreach (var blob in target.Blobs)
                        {
                            Interlocked.Add(ref bytesDown, await PullVerifiedAsync(client, target.Repo, blob));
                            Interlocked.Increment(ref blobsVerified);
                        }
                        Interlocked.Increment(ref pulls);
                    }
                }
                catch (Exception e) when (!stop.IsCancellationRequested || e is not (OperationCanceledException or TaskCanceledException))
                {
                    errors.Enqueue($"client {id}: {e.Message}");
                }
                round++;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(i => Task.Run(() => Worker(i))));
        double elapsed = clock.Elapsed.TotalSeconds;

        // Nothing is lost: every pushed image is there, every blob of it has its size.
        using var checker = registry.NewClient();
        foreach (var p in pushed)
        {
            using var m = await checker.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{p.Repo}/manifests/{p.Tag}"));
            Assert.Equal(HttpStatusCode.OK, m.StatusCode);
            Assert.Equal(p.Manifest.ToString(), m.Header("Docker-Content-Digest"));
            foreach (var blob in p.Blobs)
            {
                using var b = await checker.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{p.Repo}/blobs/{blob.Digest}"));
                Assert.Equal(HttpStatusCode.OK, b.StatusCode);
                Assert.Equal(blob.Size, b.Content.Headers.ContentLength);
            }
        }
        foreach (var blob in shared) Assert.Equal(Digest.Compute(blob), Digest.Compute(await checker.GetByteArrayAsync($"/v2/load/client0/blobs/{Digest.Compute(blob)}")));

        long peak = PeakRss();
        output.WriteLine($"load: {Clients} clients, {elapsed:F1} s: {pushes} image pushes ({bytesUp / 1e6:F0} MB up), {pulls} image pulls ({blobsVerified} blobs verified, {bytesDown / 1e6:F0} MB down), "
            + $"{(bytesUp + bytesDown) / 1e6 / elapsed:F0} MB/s, errors {errors.Count}; peak RSS of the test process (server and clients) {peak / 1e6:F0} MB (before {baselineHwm / 1e6:F0} MB)");
        Console.WriteLine($"[registry load] pushes={pushes} pulls={pulls} blobsVerified={blobsVerified} up={bytesUp / 1e6:F0}MB down={bytesDown / 1e6:F0}MB seconds={elapsed:F1} peakRssMB={peak / 1e6:F0} errors={errors.Count}");
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
        Assert.True(pushes > Clients && pulls > Clients, $"too little work done: {pushes} pushes, {pulls} pulls");
        Assert.True(peak < 2_000_000_000, $"peak RSS {peak / 1e6:F0} MB");
    }

    private static async Task<Digest> ChunkedPushAsync(HttpClient client, string repo, byte[] bytes)
    {
        using var start = await client.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        var location = start.Headers.Location!.OriginalString;
        const int chunk = 512 << 10;
        for (int offset = 0; offset < bytes.Length; offset += chunk)
        {
            int length = Math.Min(chunk, bytes.Length - offset);
            var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(bytes, offset, length) };
            request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + length - 1}");
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted) throw new Exception($"PATCH: {(int)response.StatusCode}");
            location = response.Headers.Location!.OriginalString;
        }
        var digest = Digest.Compute(bytes);
        using var put = await client.PutAsync($"{location}?digest={digest}", null);
        if (put.StatusCode != HttpStatusCode.Created) throw new Exception($"PUT: {(int)put.StatusCode}");
        return digest;
    }

    private static async Task<long> PullVerifiedAsync(HttpClient client, string repo, Descriptor blob)
    {
        using var response = await client.GetAsync($"/v2/{repo}/blobs/{blob.Digest}", HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK) throw new Exception($"blob {blob.Digest}: {(int)response.StatusCode}");
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }
        if (total != blob.Size || Digest.FromHash(Digest.Sha256, hash.GetCurrentHash()) != blob.Digest) throw new Exception($"blob {blob.Digest} does not verify");
        return total;
    }

    private static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
