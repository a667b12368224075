using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kist.Oci;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Kist.Registry.Tests.Support;

/// <summary>
/// A small in-memory registry on 127.0.0.1 (plain HTTP) that misbehaves on request: faults are queued
/// per request kind and answer instead of the registry (wrong bytes, short bodies, 500s, 429s...).
/// </summary>
public sealed class FaultyRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _uploadCounter;

    public ConcurrentDictionary<Digest, byte[]> Blobs { get; } = new();
    /// <summary>"repository:reference" → (bytes, content type).</summary>
    public ConcurrentDictionary<string, (byte[] Bytes, string ContentType)> Manifests { get; } = new();
    public ConcurrentDictionary<string, MemoryStream> Uploads { get; } = new();
    public ConcurrentQueue<string> Requests { get; } = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpContext, Task>>> _faults = new();

    /// <summary>Basic credentials the registry demands (null: anonymous).</summary>
    public (string User, string Password)? Basic { get; set; }
    /// <summary>Demand bearer tokens from /token (which itself wants <see cref="Basic"/> when set).</summary>
    public bool Bearer { get; set; }
    public int TokensIssued;

    public string Host { get; private set; } = "";

    private FaultyRegistry(WebApplication app) => _app = app;

    public static async Task<FaultyRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var registry = new FaultyRegistry(app);
        app.Run(registry.HandleAsync);
        await app.StartAsync();
        var address = app.Urls.First();
        registry.Host = new Uri(address).Authority;
        return registry;
    }

    /// <summary>The next <paramref name="times"/> requests of a kind (e.g. "GET blob", "HEAD manifest", "PUT upload") get this answer.</summary>
    public void Fault(string kind, Func<HttpContext, Task> answer, int times = 1)
    {
        var queue = _faults.GetOrAdd(kind, _ => new ConcurrentQueue<Func<HttpContext, Task>>());
        for (int i = 0; i < times; i++) queue.Enqueue(answer);
    }

    public static Func<HttpContext, Task> Status(int status, string? retryAfter = null) => async context =>
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null) context.Response.Headers.RetryAfter = retryAfter;
        await context.Response.WriteAsync("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"try again\"}]}");
    };

    public Digest AddBlob(byte[] bytes)
    {
        var digest = Digest.Compute(bytes);
        Blobs[digest] = bytes;
        return digest;
    }

    public Digest AddManifest(string repository, string tag, byte[] bytes, string contentType)
    {
        var digest = Digest.Compute(bytes);
        Manifests[$"{repository}:{tag}"] = (bytes, contentType);
        Manifests[$"{repository}:{digest}"] = (bytes, contentType);
        return digest;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string path = request.Path.Value ?? "";
        Requests.Enqueue($"{request.Method} {path}{request.QueryString} {request.Headers.Range}");
        if (path == "/token")
        {
            await TokenAsync(context);
            return;
        }
        if (!Authorized(context))
        {
            context.Response.StatusCode = 401;
            string scopeHint = ScopeOf(path, request.Method);
            context.Response.Headers.WWWAuthenticate = Bearer
                ? $"Bearer realm=\"http://{Host}/token\",service=\"faulty\"{(scopeHint.Length > 0 ? $",scope=\"{scopeHint}\"" : "")}"
                : "Basic realm=\"faulty\"";
            await context.Response.WriteAsync("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
            return;
        }
        string kind = Kind(request.Method, path);
        if (_faults.TryGetValue(kind, out var queue) && queue.TryDequeue(out var fault))
        {
            await fault(context);
            return;
        }
        if (path == "/v2/" || path == "/v2") { await context.Response.WriteAsync("{}"); return; }
        var (repository, what, reference) = Split(path);
        switch (what, request.Method)
        {
            case ("manifests", "GET" or "HEAD"):
                if (!Manifests.TryGetValue($"{repository}:{reference}", out var m)) { await NotFound(context, "MANIFEST_UNKNOWN"); return; }
                context.Response.ContentType = m.ContentType;
                context.Response.ContentLength = m.Bytes.Length;
                context.Response.Headers["Docker-Content-Digest"] = Digest.Compute(m.Bytes).ToString();
                if (request.Method == "GET") await context.Response.Body.WriteAsync(m.Bytes);
                return;
            case ("manifests", "PUT"):
                var body = await ReadBodyAsync(request);
                var digest = Digest.Compute(body);
                Manifests[$"{repository}:{reference}"] = (body, request.ContentType ?? "");
                Manifests[$"{repository}:{digest}"] = (body, request.ContentType ?? "");
                context.Response.StatusCode = 201;
                context.Response.Headers["Docker-Content-Digest"] = digest.ToString();
                return;
            case ("blobs", "GET" or "HEAD"):
                if (!Digest.TryParse(reference, out var blobDigest) || !Blobs.TryGetValue(blobDigest, out var blob)) { await NotFound(context, "BLOB_UNKNOWN"); return; }
                long from = 0;
                if (request.Headers.Range.ToString() is { Length: > 0 } range && range.StartsWith("bytes=") && long.TryParse(range[6..].TrimEnd('-'), out from))
                {
                    context.Response.StatusCode = 206;
                    context.Response.Headers.ContentRange = $"bytes {from}-{blob.Length - 1}/{blob.Length}";
                }
                context.Response.ContentLength = blob.Length - from;
                context.Response.Headers["Docker-Content-Digest"] = blobDigest.ToString();
                if (request.Method == "GET") await context.Response.Body.WriteAsync(blob.AsMemory((int)from));
                return;
            case ("uploads", "POST"):
                if (request.Query["mount"].ToString() is { Length: > 0 } mount && Digest.TryParse(mount, out var mounted) && Blobs.ContainsKey(mounted))
                {
                    context.Response.StatusCode = 201;
                    return;
                }
                string id = "u" + Interlocked.Increment(ref _uploadCounter);
                Uploads[id] = new MemoryStream();
                context.Response.StatusCode = 202;
                context.Response.Headers.Location = $"/v2/{repository}/blobs/uploads/{id}?_state=x";
                return;
            case ("uploads", "PATCH"):
                await request.Body.CopyToAsync(Uploads[reference]);
                context.Response.StatusCode = 202;
                context.Response.Headers.Location = $"/v2/{repository}/blobs/uploads/{reference}";
                return;
            case ("uploads", "PUT"):
                var upload = Uploads[reference];
                await request.Body.CopyToAsync(upload);
                var expected = Digest.Parse(request.Query["digest"].ToString());
                var actual = Digest.Compute(upload.ToArray());
                if (actual != expected) { context.Response.StatusCode = 400; await context.Response.WriteAsync("{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"digest mismatch\"}]}"); return; }
                Blobs[actual] = upload.ToArray();
                context.Response.StatusCode = 201;
                return;
            case ("uploads", "DELETE"):
                Uploads.TryRemove(reference, out _);
                context.Response.StatusCode = 204;
                return;
            case ("tags", "GET"):
                var tags = Manifests.Keys.Where(k => k.StartsWith(repository + ":") && !k.Contains("sha256:")).Select(k => k[(repository.Length + 1)..]).Order();
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($"{{\"name\":\"{repository}\",\"tags\":[{string.Join(',', tags.Select(t => $"\"{t}\""))}]}}");
                return;
        }
        context.Response.StatusCode = 404;
    }

    private bool Authorized(HttpContext context)
    {
        string header = context.Request.Headers.Authorization.ToString();
        if (Bearer) return header.StartsWith("Bearer tok-", StringComparison.Ordinal);
        if (Basic is not { } basic) return true;
        return header == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.User}:{basic.Password}"));
    }

    private async Task TokenAsync(HttpContext context)
    {
        if (Basic is { } basic && context.Request.Headers.Authorization.ToString() != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.User}:{basic.Password}")))
        {
            context.Response.StatusCode = 401;
            return;
        }
        Interlocked.Increment(ref TokensIssued);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($"{{\"token\":\"tok-{Guid.NewGuid():N}\",\"expires_in\":300}}");
    }

    private static string ScopeOf(string path, string method)
    {
        if (!path.StartsWith("/v2/") || path.Length <= 4) return "";
        var (repository, _, _) = Split(path);
        return $"repository:{repository}:{(method is "GET" or "HEAD" ? "pull" : "pull,push")}";
    }

    public static string Kind(string method, string path)
    {
        if (!path.StartsWith("/v2/") || path.Length <= 4) return method + " base";
        var (_, what, _) = Split(path);
        return method + " " + what switch { "manifests" => "manifest", "blobs" => "blob", "uploads" => "upload", _ => what };
    }

    private static (string Repository, string What, string Reference) Split(string path)
    {
        string rest = path[4..];
        foreach (var what in new[] { "/blobs/uploads/", "/manifests/", "/blobs/", "/tags/" })
        {
            int at = rest.LastIndexOf(what, StringComparison.Ordinal);
            if (at > 0) return (rest[..at], what.Trim('/').Replace("blobs/uploads", "uploads"), rest[(at + what.Length)..]);
        }
        return (rest, "", "");
    }

    private static async Task NotFound(HttpContext context, string code)
    {
        context.Response.StatusCode = 404;
        context.Response.ContentType = "application/json";
        if (context.Request.Method != "HEAD") await context.Response.WriteAsync($"{{\"errors\":[{{\"code\":\"{code}\",\"message\":\"{code.ToLowerInvariant().Replace('_', ' ')}\"}}]}}");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public static byte[] RandomBytes(int size) => RandomNumberGenerator.GetBytes(size);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
