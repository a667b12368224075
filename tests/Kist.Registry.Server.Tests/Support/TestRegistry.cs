using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Kist.Oci;
using Kist.Registry.Server.Storage;

namespace Kist.Registry.Server.Tests.Support;

/// <summary>A registry on 127.0.0.1 with a free port and its own storage folder, and a client for it.</summary>
public sealed class TestRegistry : IAsyncDisposable
{
    private readonly TempDir _dir;

    private TestRegistry(TempDir dir, RegistryHost host, RegistryOptions options)
    {
        _dir = dir;
        Host = host;
        Options = options;
        Client = NewClient();
    }

    public RegistryHost Host { get; }
    public RegistryOptions Options { get; }
    public HttpClient Client { get; }
    public string Dir => _dir.Path;
    public IRegistryStorage Storage => Host.Storage;

    public static async Task<TestRegistry> StartAsync(Action<RegistryOptions, string>? configure = null, bool inMemory = false)
    {
        var dir = new TempDir();
        var options = new RegistryOptions { Address = "127.0.0.1:0", StoragePath = Path.Combine(dir.Path, "storage"), LogRequests = false };
        if (inMemory) options.Storage = new InMemoryRegistryStorage();
        configure?.Invoke(options, dir.Path);
        var host = await RegistryHost.StartAsync(options, logging: _ => { });
        return new TestRegistry(dir, host, options);
    }

    public HttpClient NewClient(HttpMessageHandler? handler = null) =>
        new(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Blob and manifest helpers speaking the protocol through an <see cref="HttpClient"/>.</summary>
public static class Proto
{
    public static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    public static Digest DigestOf(byte[] bytes) => Digest.Compute(bytes);

    public static async Task<Digest> PushBlobAsync(this HttpClient client, string repo, byte[] bytes)
    {
        var digest = DigestOf(bytes);
        using var response = await client.PostAsync($"/v2/{repo}/blobs/uploads/?digest={digest}", new ByteArrayContent(bytes));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return digest;
    }

    /// <summary>An image manifest (OCI by default) over a fresh config and the given layers, pushed under <paramref name="reference"/>.</summary>
    public static async Task<(Digest Digest, byte[] Bytes)> PushImageAsync(this HttpClient client, string repo, string reference, IReadOnlyList<byte[]> layers,
        string mediaType = MediaTypes.OciManifest, Descriptor? subject = null, string? artifactType = null)
    {
        bool docker = mediaType == MediaTypes.DockerManifest;
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}},\"nonce\":\"{Guid.NewGuid()}\"}}");
        var configDigest = await client.PushBlobAsync(repo, config);
        var layerDescriptors = new List<Descriptor>();
        foreach (var layer in layers)
        {
            var d = await client.PushBlobAsync(repo, layer);
            layerDescriptors.Add(new Descriptor { MediaType = docker ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip, Digest = d, Size = layer.Length });
        }
        var manifest = new ImageManifest
        {
            MediaType = mediaType,
            ArtifactType = artifactType,
            Config = new Descriptor { MediaType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, Digest = configDigest, Size = config.Length },
            Layers = layerDescriptors,
            Subject = subject,
        };
        var bytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
        var digest = await client.PutManifestAsync(repo, reference, bytes, mediaType);
        return (digest, bytes);
    }

    public static async Task<Digest> PutManifestAsync(this HttpClient client, string repo, string reference, byte[] bytes, string mediaType)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await client.PutAsync($"/v2/{repo}/manifests/{reference}", content);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"PUT manifest: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var digest = Digest.Parse(response.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal(DigestOf(bytes), digest);
        return digest;
    }

    public static async Task<HttpResponseMessage> PutManifestRawAsync(this HttpClient client, string repo, string reference, byte[] bytes, string? mediaType)
    {
        var content = new ByteArrayContent(bytes);
        if (mediaType is not null) content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return await client.PutAsync($"/v2/{repo}/manifests/{reference}", content);
    }

    /// <summary>The first error code of an OCI error body.</summary>
    public static async Task<string?> ErrorCodeAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (string.IsNullOrEmpty(text)) return null;
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString();
    }

    public static async Task AssertErrorAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, await response.ErrorCodeAsync());
    }

    public static string Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var cv) ? string.Join(",", cv)
        : throw new Xunit.Sdk.XunitException($"no {name} header in {(int)response.StatusCode} response");
}
