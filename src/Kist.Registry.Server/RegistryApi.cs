using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Kist.Oci;
using Kist.Registry.Server.Auth;
using Kist.Registry.Server.Operations;
using Kist.Registry.Server.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Kist.Registry.Server;

/// <summary>The OCI distribution spec v1.1 / Docker registry API v2 over an <see cref="IRegistryStorage"/>.</summary>
public sealed class RegistryApi
{
    public const string ApiVersionHeader = "Docker-Distribution-API-Version";
    public const string ContentDigestHeader = "Docker-Content-Digest";
    public const string UploadUuidHeader = "Docker-Upload-UUID";
    public const string SubjectHeader = "OCI-Subject";
    public const string FiltersAppliedHeader = "OCI-Filters-Applied";
    private const int DefaultCatalogPage = 1000;

    private readonly RegistryOptions _options;
    private readonly IRegistryStorage _storage;
    private readonly RegistryAuth _auth;
    private readonly ILogger _log;

    public RegistryApi(RegistryOptions options, ILoggerFactory loggers)
    {
        _options = options;
        _storage = options.ResolveStorage();
        _auth = new RegistryAuth(options);
        _log = loggers.CreateLogger("Kist.Registry.Server.Requests");
        Metrics = new RegistryMetrics();
    }

    public RegistryMetrics Metrics { get; }
    public IRegistryStorage Storage => _storage;

    private sealed class RequestState
    {
        public string Route = "other";
        public string? User;
        public long BytesIn;
    }

    /// <summary>Runs a handler with error mapping, metrics and a structured request log line.</summary>
    private async Task Instrumented(HttpContext context, Func<HttpContext, RequestState, Task> handler)
    {
        var state = new RequestState();
        long started = Stopwatch.GetTimestamp();
        Metrics.RequestStarted();
        context.Response.Headers[ApiVersionHeader] = "registry/2.0";
        try
        {
            await handler(context, state);
        }
        catch (RegistryErrorException e)
        {
            await WriteError(context, e.Status, e.Code, e.Message, e.Detail);
        }
        catch (InvalidInputException e)
        {
            await WriteError(context, HttpStatusCode.BadRequest, ErrorCodes.Unsupported, e.Message, null);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (BadHttpRequestException e)
        {
            await WriteError(context, (HttpStatusCode)e.StatusCode, ErrorCodes.Unsupported, e.Message, null);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            long bytesOut = context.Request.Method == "HEAD" ? 0 : context.Response.ContentLength ?? 0;
            Metrics.RequestFinished(context.Request.Method, state.Route, context.Response.StatusCode, elapsed, state.BytesIn, bytesOut);
            if (_options.LogRequests)
            {
                _log.LogInformation("{Method} {Path} {Status} {DurationMs} {BytesIn} {BytesOut} {User} {Remote}",
                    context.Request.Method, context.Request.Path.Value, context.Response.StatusCode,
                    Math.Round(elapsed.TotalMilliseconds, 2), state.BytesIn, bytesOut, state.User ?? "-", context.Connection.RemoteIpAddress?.ToString());
            }
        }
    }

    private static async Task WriteError(HttpContext context, HttpStatusCode status, string code, string message, string? detail)
    {
        if (context.Response.HasStarted) { context.Abort(); return; }
        context.Response.StatusCode = (int)status;
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new ErrorBody([new ErrorEntry(code, message, detail)]), RegistryJsonContext.Default.ErrorBody);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        if (context.Request.Method != "HEAD") await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    // ---- /v2/

    public Task HandleV2(HttpContext context) => Instrumented(context, HandleV2Core);

    private async Task HandleV2Core(HttpContext context, RequestState state)
    {
        var request = context.Request;
        string path = request.Path.Value ?? "/";
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? path;
        int q = raw.IndexOf('?');
        if (q >= 0) raw = raw[..q];
        if (raw.Contains("%2f", StringComparison.OrdinalIgnoreCase) || raw.Contains("%2e", StringComparison.OrdinalIgnoreCase) ||
            raw.Contains("/../", StringComparison.Ordinal) || raw.Contains("/./", StringComparison.Ordinal) || raw.EndsWith("/..", StringComparison.Ordinal))
            throw RegistryErrors.NameInvalid(raw);

        var identity = _auth.Authenticate(context);
        state.User = identity.User;
        string rest = path.Length <= 4 ? "" : path[4..]; // after "/v2/"
        string method = request.Method;
        bool write = method is not ("GET" or "HEAD");
        if (rest.Length == 0)
        {
            state.Route = "base";
            _auth.RequireAuthenticated(context, identity);
            if (method is not ("GET" or "HEAD")) throw RegistryErrors.Unsupported(method);
            await WriteJson(context, "{}"u8.ToArray(), "application/json");
            return;
        }
        if (rest == "_catalog")
        {
            state.Route = "catalog";
            if (write) throw RegistryErrors.Unsupported(method);
            await Catalog(context, identity);
            return;
        }
        var segments = rest.Split('/');
        int n = segments.Length;
        string Name(int drop) => RepositoryNames.Validate(string.Join('/', segments[..(n - drop)]));
        if (write && _options.ReadOnly) throw RegistryErrors.Unsupported("registry is in read-only mode");
        if (n >= 3 && segments[n - 2] == "tags" && segments[n - 1] == "list")
        {
            state.Route = "tags";
            string name = Name(2);
            _auth.Require(context, identity, name, AccessPolicy.Pull);
            if (write) throw RegistryErrors.Unsupported(method);
            await Tags(context, name);
        }
        else if (n >= 2 && segments[n - 2] == "manifests")
        {
            state.Route = "manifests";
            string name = Name(2), reference = segments[n - 1];
            switch (method)
            {
                case "GET" or "HEAD":
                    _auth.Require(context, identity, name, AccessPolicy.Pull);
                    await GetManifest(context, name, reference);
                    break;
                case "PUT":
                    _auth.Require(context, identity, name, AccessPolicy.Pull, AccessPolicy.Push);
                    await PutManifest(context, name, reference);
                    break;
                case "DELETE":
                    _auth.Require(context, identity, name, AccessPolicy.Delete);
                    await DeleteManifest(context, name, reference);
                    break;
                default: throw RegistryErrors.Unsupported(method);
            }
        }
        else if (n >= 2 && segments[n - 2] == "referrers")
        {
            state.Route = "referrers";
            string name = Name(2);
            _auth.Require(context, identity, name, AccessPolicy.Pull);
            if (write) throw RegistryErrors.Unsupported(method);
            await Referrers(context, name, segments[n - 1]);
        }
        else if (n >= 3 && segments[n - 2] == "blobs" && segments[n - 1] == "uploads" || n >= 4 && segments[n - 3] == "blobs" && segments[n - 2] == "uploads" && segments[n - 1] == "")
        {
            state.Route = "uploads";
            string name = Name(segments[n - 1] == "" ? 3 : 2);
            _auth.Require(context, identity, name, AccessPolicy.Pull, AccessPolicy.Push);
            if (method != "POST") throw RegistryErrors.Unsupported(method);
            await StartUpload(context, state, identity, name);
        }
        else if (n >= 4 && segments[n - 3] == "blobs" && segments[n - 2] == "uploads")
        {
            state.Route = "uploads";
            string name = Name(3), id = segments[n - 1];
            _auth.Require(context, identity, name, AccessPolicy.Pull, AccessPolicy.Push);
            switch (method)
            {
                case "GET": await UploadStatusAsync(context, name, id); break;
                case "PATCH": await PatchUpload(context, state, name, id); break;
                case "PUT": await PutUpload(context, state, name, id); break;
                case "DELETE": await CancelUpload(context, name, id); break;
                default: throw RegistryErrors.Unsupported(method);
            }
        }
        else if (n >= 3 && segments[n - 2] == "blobs")
        {
            state.Route = "blobs";
            string name = Name(2);
            switch (method)
            {
                case "GET" or "HEAD":
                    _auth.Require(context, identity, name, AccessPolicy.Pull);
                    await GetBlob(context, name, segments[n - 1]);
                    break;
                case "DELETE":
                    _auth.Require(context, identity, name, AccessPolicy.Delete);
                    await DeleteBlob(context, name, segments[n - 1]);
                    break;
                default: throw RegistryErrors.Unsupported(method);
            }
        }
        else
        {
            throw RegistryErrors.NotFound();
        }
    }

    private static Digest ParseDigest(string? value) =>
        Digest.TryParse(value, out var digest) ? digest : throw RegistryErrors.DigestInvalid(value ?? "missing digest");

    private static async Task WriteJson(HttpContext context, byte[] body, string contentType, HttpStatusCode status = HttpStatusCode.OK)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (context.Request.Method != "HEAD") await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    // ---- manifests

    private async Task<(Digest Digest, StoredManifest? Manifest)> Resolve(string name, string reference, CancellationToken ct)
    {
        Digest digest;
        if (reference.Contains(':'))
        {
            digest = ParseDigest(reference);
        }
        else
        {
            RepositoryNames.ValidateTag(reference);
            digest = await _storage.ResolveTagAsync(name, reference, ct) ?? throw RegistryErrors.ManifestUnknown(reference);
        }
        return (digest, await _storage.GetManifestAsync(name, digest, ct));
    }

    private async Task GetManifest(HttpContext context, string name, string reference)
    {
        var (_, manifest) = await Resolve(name, reference, context.RequestAborted);
        if (manifest is null) throw RegistryErrors.ManifestUnknown(reference);
        context.Response.Headers[ContentDigestHeader] = manifest.Digest.ToString();
        context.Response.Headers.ETag = $"\"{manifest.Digest}\"";
        await WriteJson(context, manifest.Bytes, manifest.MediaType);
    }

    private async Task PutManifest(HttpContext context, string name, string reference)
    {
        var ct = context.RequestAborted;
        string? tag = null;
        Digest? claimed = null;
        if (reference.Contains(':')) claimed = ParseDigest(reference);
        else tag = RepositoryNames.ValidateTag(reference);

        if (context.Request.ContentLength > OciDocuments.MaxManifestBytes) throw RegistryErrors.TooLarge("manifest", OciDocuments.MaxManifestBytes);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > OciDocuments.MaxManifestBytes) throw RegistryErrors.TooLarge("manifest", OciDocuments.MaxManifestBytes);
            buffer.Write(chunk, 0, read);
        }
        byte[] bytes = buffer.ToArray();
        Digest digest;
        using (var hash = (claimed ?? default(Digest?))?.CreateHash() ?? System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256))
        {
            hash.AppendData(bytes);
            digest = Digest.FromHash(claimed?.Algorithm ?? Digest.Sha256, hash.GetCurrentHash());
        }
        if (claimed is { } c && c != digest) throw RegistryErrors.DigestInvalid($"manifest digest is {digest}, not {c}");

        string? headerType = context.Request.ContentType?.Split(';')[0].Trim();
        string? declared = DeclaredMediaType(bytes);
        string? mediaType = declared ?? (string.IsNullOrEmpty(headerType) || headerType == "application/json" ? OciDocuments.DetectMediaType(bytes) : headerType);
        if (declared is not null && !string.IsNullOrEmpty(headerType) && headerType != "application/json" && headerType != declared)
            throw RegistryErrors.ManifestInvalid($"Content-Type {headerType} does not match the manifest's mediaType {declared}");
        if (MediaTypes.IsSchema1(mediaType)) throw RegistryErrors.ManifestInvalid("Docker schema 1 manifests are not supported");

        Descriptor? subject;
        string? artifactType;
        IReadOnlyDictionary<string, string>? annotations;
        var referenced = new List<Digest>();
        if (MediaTypes.IsManifest(mediaType))
        {
            ImageManifest m;
            try { m = OciDocuments.ParseManifest(bytes).Value; }
            catch (InvalidInputException e) { throw RegistryErrors.ManifestInvalid(e.Message); }
            if (m.SchemaVersion != 2 || m.Config is null || m.Layers is null) throw RegistryErrors.ManifestInvalid("schemaVersion 2 with config and layers expected");
            foreach (var blob in m.Layers.Prepend(m.Config))
            {
                if (blob.Urls is { Count: > 0 }) continue; // foreign / non-distributable layers live elsewhere
                if (!await _storage.HasBlobLinkAsync(name, blob.Digest, ct) || await _storage.StatBlobAsync(blob.Digest, ct) is null)
                    throw RegistryErrors.ManifestBlobUnknown(blob.Digest);
                referenced.Add(blob.Digest);
            }
            subject = m.Subject;
            artifactType = m.ArtifactType ?? m.Config.MediaType;
            annotations = m.Annotations;
        }
        else if (MediaTypes.IsIndex(mediaType))
        {
            ImageIndex index;
            try { index = OciDocuments.ParseIndex(bytes).Value; }
            catch (InvalidInputException e) { throw RegistryErrors.ManifestInvalid(e.Message); }
            if (index.SchemaVersion != 2 || index.Manifests is null) throw RegistryErrors.ManifestInvalid("schemaVersion 2 with manifests expected");
            foreach (var child in index.Manifests)
            {
                if (child.Digest == digest || await _storage.GetManifestLinkAsync(name, child.Digest, ct) is null)
                    throw RegistryErrors.ManifestBlobUnknown(child.Digest);
                referenced.Add(child.Digest);
            }
            subject = index.Subject;
            artifactType = index.ArtifactType;
            annotations = index.Annotations;
        }
        else
        {
            throw RegistryErrors.ManifestInvalid($"unsupported manifest media type \"{mediaType}\"");
        }
        if (subject is not null && subject.Digest == digest) throw RegistryErrors.ManifestInvalid("a manifest cannot be its own subject");

        foreach (var d in referenced) await _storage.TouchBlobAsync(d, ct);
        var referrer = subject is null ? null : new Descriptor
        {
            MediaType = mediaType!, Digest = digest, Size = bytes.Length, ArtifactType = artifactType, Annotations = annotations,
        };
        await _storage.PutManifestAsync(name, new ManifestWrite(digest, mediaType!, bytes, tag, subject?.Digest, referrer), ct);
        context.Response.StatusCode = (int)HttpStatusCode.Created;
        context.Response.Headers.Location = $"/v2/{name}/manifests/{digest}";
        context.Response.Headers[ContentDigestHeader] = digest.ToString();
        if (subject is not null) context.Response.Headers[SubjectHeader] = subject.Digest.ToString();
        context.Response.ContentLength = 0;
    }

    private static string? DeclaredMediaType(byte[] bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw RegistryErrors.ManifestInvalid("a manifest is a JSON object");
            return doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString() : null;
        }
        catch (JsonException e)
        {
            throw RegistryErrors.ManifestInvalid("not JSON: " + e.Message);
        }
    }

    private async Task DeleteManifest(HttpContext context, string name, string reference)
    {
        var ct = context.RequestAborted;
        bool deleted;
        if (reference.Contains(':')) deleted = await _storage.DeleteManifestAsync(name, ParseDigest(reference), ct);
        else deleted = await _storage.DeleteTagAsync(name, RepositoryNames.ValidateTag(reference), ct);
        if (!deleted) throw RegistryErrors.ManifestUnknown(reference);
        context.Response.StatusCode = (int)HttpStatusCode.Accepted;
        context.Response.ContentLength = 0;
    }

    // ---- blobs

    private async Task GetBlob(HttpContext context, string name, string digestText)
    {
        var ct = context.RequestAborted;
        var digest = ParseDigest(digestText);
        if (!await _storage.HasBlobLinkAsync(name, digest, ct)) throw RegistryErrors.BlobUnknown(digest);
        var info = await _storage.StatBlobAsync(digest, ct) ?? throw RegistryErrors.BlobUnknown(digest);
        context.Response.Headers[ContentDigestHeader] = digest.ToString();
        context.Response.Headers.ETag = $"\"{digest}\"";
        context.Response.Headers.CacheControl = "max-age=31536000";
        if (context.Request.Method == "HEAD")
        {
            await _storage.TouchBlobAsync(digest, ct);
            context.Response.Headers.AcceptRanges = "bytes";
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = info.Size;
            return;
        }
        await using var stream = await _storage.OpenBlobAsync(digest, ct) ?? throw RegistryErrors.BlobUnknown(digest);
        await SendBlob(context, stream, stream.Length);
    }

    /// <summary>Streams a blob, honouring a single <c>Range: bytes=…</c> (206, or 416 when it cannot be satisfied).</summary>
    private static async Task SendBlob(HttpContext context, Stream stream, long size)
    {
        var response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = "application/octet-stream";
        long start = 0, length = size;
        string? range = context.Request.Headers.Range;
        if (!string.IsNullOrEmpty(range) && range.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) && !range.Contains(','))
        {
            var spec = range[6..].Trim();
            int dash = spec.IndexOf('-');
            bool ok = dash >= 0;
            long first = 0, last = size - 1;
            if (ok && dash == 0) // suffix: the last N bytes
            {
                ok = long.TryParse(spec[1..], out long suffix) && suffix > 0;
                first = Math.Max(0, size - suffix);
            }
            else if (ok)
            {
                ok = long.TryParse(spec[..dash], out first) && (dash == spec.Length - 1 || long.TryParse(spec[(dash + 1)..], out last)) && last >= first;
                last = Math.Min(last, size - 1);
            }
            if (!ok || first >= size)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{size}";
                response.ContentLength = 0;
                return;
            }
            start = first;
            length = last - first + 1;
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {first}-{last}/{size}";
        }
        response.ContentLength = length;
        if (start > 0) stream.Seek(start, SeekOrigin.Begin);
        const int BufferSize = 1 << 20;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long remaining = length;
            while (remaining > 0)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, remaining)), context.RequestAborted);
                if (n == 0) throw new IOException("blob ended early");
                await response.Body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
                remaining -= n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task DeleteBlob(HttpContext context, string name, string digestText)
    {
        var digest = ParseDigest(digestText);
        if (!await _storage.UnlinkBlobAsync(name, digest, context.RequestAborted)) throw RegistryErrors.BlobUnknown(digest);
        context.Response.StatusCode = (int)HttpStatusCode.Accepted;
        context.Response.ContentLength = 0;
    }

    // ---- uploads

    private async Task StartUpload(HttpContext context, RequestState state, RequestIdentity identity, string name)
    {
        var ct = context.RequestAborted;
        var query = context.Request.Query;
        string? mount = query["mount"], from = query["from"];
        if (mount is not null && from is not null)
        {
            var digest = ParseDigest(mount);
            if (RepositoryNames.IsValidName(from) && _auth.Can(identity, from, AccessPolicy.Pull) &&
                await _storage.HasBlobLinkAsync(from, digest, ct) && await _storage.StatBlobAsync(digest, ct) is not null)
            {
                await _storage.LinkBlobAsync(name, digest, ct);
                await _storage.TouchBlobAsync(digest, ct);
                BlobCreated(context, name, digest);
                return;
            }
        }
        string? digestParam = query["digest"];
        Digest? monolithic = digestParam is null ? null : ParseDigest(digestParam);
        var upload = await _storage.StartUploadAsync(name, ct);
        if (monolithic is { } expected)
        {
            await Append(context, state, name, upload.Id, StringValues.Empty);
            await Complete(context, name, upload.Id, expected);
            return;
        }
        UploadAccepted(context, name, upload.Id, 0, HttpStatusCode.Accepted);
    }

    private static void UploadAccepted(HttpContext context, string name, string id, long size, HttpStatusCode status)
    {
        context.Response.StatusCode = (int)status;
        context.Response.Headers.Location = $"/v2/{name}/blobs/uploads/{id}";
        context.Response.Headers.Range = size > 0 ? $"0-{size - 1}" : "0-0";
        context.Response.Headers[UploadUuidHeader] = id;
        context.Response.ContentLength = 0;
    }

    private static void BlobCreated(HttpContext context, string name, Digest digest)
    {
        context.Response.StatusCode = (int)HttpStatusCode.Created;
        context.Response.Headers.Location = $"/v2/{name}/blobs/{digest}";
        context.Response.Headers[ContentDigestHeader] = digest.ToString();
        context.Response.ContentLength = 0;
    }

    private async Task UploadStatusAsync(HttpContext context, string name, string id)
    {
        var upload = await _storage.GetUploadAsync(name, id, context.RequestAborted) ?? throw RegistryErrors.UploadUnknown(id);
        UploadAccepted(context, name, id, upload.Size, HttpStatusCode.NoContent);
    }

    private async Task PatchUpload(HttpContext context, RequestState state, string name, string id)
    {
        var size = await Append(context, state, name, id, context.Request.Headers.ContentRange);
        UploadAccepted(context, name, id, size, HttpStatusCode.Accepted);
    }

    private async Task PutUpload(HttpContext context, RequestState state, string name, string id)
    {
        var expected = ParseDigest(context.Request.Query["digest"]);
        if (await _storage.GetUploadAsync(name, id, context.RequestAborted) is null) throw RegistryErrors.UploadUnknown(id);
        if (context.Request.ContentLength is null or > 0) await Append(context, state, name, id, context.Request.Headers.ContentRange);
        await Complete(context, name, id, expected);
    }

    private async Task CancelUpload(HttpContext context, string name, string id)
    {
        if (!await _storage.CancelUploadAsync(name, id, context.RequestAborted)) throw RegistryErrors.UploadUnknown(id);
        context.Response.StatusCode = (int)HttpStatusCode.NoContent;
        context.Response.ContentLength = 0;
    }

    private async Task<long> Append(HttpContext context, RequestState state, string name, string id, StringValues contentRange)
    {
        var ct = context.RequestAborted;
        var upload = await _storage.GetUploadAsync(name, id, ct) ?? throw RegistryErrors.UploadUnknown(id);
        long? length = context.Request.ContentLength;
        long? offset = null;
        if (!StringValues.IsNullOrEmpty(contentRange))
        {
            if (!TryParseRange(contentRange.ToString(), out long start, out long end) || (length is { } l && end - start + 1 != l))
                throw RangeError(context, name, id, upload.Size, "invalid Content-Range " + contentRange);
            if (start != upload.Size) throw RangeError(context, name, id, upload.Size, $"chunk starts at {start}, upload is at {upload.Size}");
            offset = start;
        }
        long limit = Math.Min(_options.MaxChunkBytes, _options.MaxBlobBytes - upload.Size);
        if (length > limit) throw RegistryErrors.TooLarge("chunk", limit);
        Metrics.UploadStarted();
        try
        {
            var after = await _storage.AppendUploadAsync(name, id, offset, context.Request.Body, limit, ct);
            state.BytesIn += after.Size - upload.Size;
            return after.Size;
        }
        catch (UploadOffsetException e) { throw RangeError(context, name, id, e.Size, "chunk out of order"); }
        catch (UploadTooLargeException e) { throw RegistryErrors.TooLarge("chunk", e.Limit); }
        catch (UploadUnknownException) { throw RegistryErrors.UploadUnknown(id); }
        finally { Metrics.UploadFinished(); }
    }

    private static RegistryErrorException RangeError(HttpContext context, string name, string id, long size, string detail)
    {
        UploadAccepted(context, name, id, size, HttpStatusCode.RequestedRangeNotSatisfiable);
        return new RegistryErrorException(HttpStatusCode.RequestedRangeNotSatisfiable, ErrorCodes.BlobUploadInvalid, "blob upload invalid", detail);
    }

    private static bool TryParseRange(string value, out long start, out long end)
    {
        start = end = 0;
        value = value.Trim();
        if (value.StartsWith("bytes", StringComparison.OrdinalIgnoreCase)) value = value[5..].TrimStart(' ', '=');
        int slash = value.IndexOf('/');
        if (slash >= 0) value = value[..slash];
        int dash = value.IndexOf('-');
        return dash > 0 && long.TryParse(value[..dash], out start) && long.TryParse(value[(dash + 1)..], out end) && start >= 0 && end >= start;
    }

    private async Task Complete(HttpContext context, string name, string id, Digest expected)
    {
        try
        {
            await _storage.CompleteUploadAsync(name, id, expected, context.RequestAborted);
        }
        catch (DigestMismatchException e) { throw RegistryErrors.DigestInvalid(e.Message); }
        catch (UploadUnknownException) { throw RegistryErrors.UploadUnknown(id); }
        BlobCreated(context, name, expected);
    }

    // ---- listings

    private static bool TryPage(HttpContext context, int defaultSize, out int size, out string? last)
    {
        last = context.Request.Query["last"];
        size = defaultSize;
        string? n = context.Request.Query["n"];
        if (n is null) return true;
        if (!int.TryParse(n, out size) || size < 0)
            throw new RegistryErrorException(HttpStatusCode.BadRequest, ErrorCodes.PaginationNumberInvalid, "invalid number of results requested", n);
        return true;
    }

    private static async Task<List<string>> Page(IAsyncEnumerable<string> all, int size, string? last, CancellationToken ct)
    {
        var page = new List<string>();
        if (size == 0) return page;
        await foreach (var item in all.WithCancellation(ct))
        {
            if (last is not null && string.CompareOrdinal(item, last) <= 0) continue;
            page.Add(item);
            if (page.Count > size) break; // one more than asked tells that there is a next page
        }
        return page;
    }

    private static void NextLink(HttpContext context, string path, List<string> page, int size)
    {
        if (page.Count <= size) return;
        page.RemoveAt(page.Count - 1);
        context.Response.Headers.Link = $"<{path}?n={size}&last={Uri.EscapeDataString(page[^1])}>; rel=\"next\"";
    }

    private async Task Tags(HttpContext context, string name)
    {
        var ct = context.RequestAborted;
        if (!await _storage.RepositoryExistsAsync(name, ct)) throw RegistryErrors.NameUnknown(name);
        TryPage(context, int.MaxValue - 1, out int size, out string? last);
        var page = await Page(_storage.ListTagsAsync(name, ct), size, last, ct);
        NextLink(context, $"/v2/{name}/tags/list", page, size);
        await WriteJson(context, JsonSerializer.SerializeToUtf8Bytes(new TagList(name, page), RegistryJsonContext.Default.TagList), "application/json");
    }

    private async Task Catalog(HttpContext context, RequestIdentity identity)
    {
        var ct = context.RequestAborted;
        _auth.RequireAuthenticated(context, identity, "registry:catalog:*");
        TryPage(context, DefaultCatalogPage, out int size, out string? last);
        var visible = _storage.ListRepositoriesAsync(ct).Where(r => _auth.Mode == AuthMode.None || _auth.Policy.Allows(identity.User, r, AccessPolicy.Pull));
        var page = await Page(visible, size, last, ct);
        NextLink(context, "/v2/_catalog", page, size);
        await WriteJson(context, JsonSerializer.SerializeToUtf8Bytes(new Catalog(page), RegistryJsonContext.Default.Catalog), "application/json");
    }

    private async Task Referrers(HttpContext context, string name, string digestText)
    {
        var ct = context.RequestAborted;
        var subject = ParseDigest(digestText);
        string? artifactType = context.Request.Query["artifactType"];
        var list = new List<Descriptor>();
        if (await _storage.RepositoryExistsAsync(name, ct))
        {
            await foreach (var d in _storage.ListReferrersAsync(name, subject, ct))
            {
                if (artifactType is null || d.ArtifactType == artifactType) list.Add(d);
            }
        }
        list.Sort((a, b) => a.Digest.CompareTo(b.Digest));
        if (artifactType is not null) context.Response.Headers[FiltersAppliedHeader] = "artifactType";
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = list };
        await WriteJson(context, JsonSerializer.SerializeToUtf8Bytes(index, OciJsonContext.Default.ImageIndex), MediaTypes.OciIndex);
    }

    // ---- token endpoint, health, metrics

    public Task HandleToken(HttpContext context) => Instrumented(context, async (ctx, state) =>
    {
        state.Route = "token";
        if (_auth.Tokens is null) throw RegistryErrors.NotFound();
        string? user = null, password = null;
        List<string> scopes = [.. ctx.Request.Query["scope"].OfType<string>()];
        if (ctx.Request.Method == "POST" && ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            if (form["grant_type"] == "password") { user = form["username"]; password = form["password"]; }
            scopes.AddRange(form["scope"].OfType<string>());
        }
        else if (ctx.Request.Method is not ("GET" or "POST"))
        {
            throw RegistryErrors.Unsupported(ctx.Request.Method);
        }
        string? header = ctx.Request.Headers.Authorization;
        if (user is null && !string.IsNullOrEmpty(header))
        {
            if (!RegistryAuth.TryParseBasic(header, out var u, out var p)) throw Unauthorized(ctx);
            user = u;
            password = p;
        }
        if (user is not null && !_auth.CheckPassword(user, password ?? "")) throw Unauthorized(ctx);
        state.User = user;
        var granted = _auth.Grant(user, scopes);
        string token = _auth.Tokens.Issue(user, granted);
        var response = new TokenResponse
        {
            Token = token, AccessToken = token, ExpiresIn = (int)_auth.Tokens.Lifetime.TotalSeconds,
            IssuedAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        ctx.Response.Headers.CacheControl = "no-store";
        await WriteJson(ctx, JsonSerializer.SerializeToUtf8Bytes(response, RegistryJsonContext.Default.TokenResponse), "application/json");
    });

    private RegistryErrorException Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{_options.Realm}\"";
        return new RegistryErrorException(HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized, "invalid username or password");
    }

    public async Task HandleHealth(HttpContext context)
    {
        bool ok;
        try
        {
            await _storage.RepositoryExistsAsync("health", context.RequestAborted);
            ok = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ok = false;
        }
        context.Response.StatusCode = ok ? 200 : 503;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(ok ? "{\"status\":\"ok\"}" : "{\"status\":\"storage unavailable\"}", context.RequestAborted);
    }

    public async Task HandleMetrics(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4";
        await context.Response.WriteAsync(Metrics.Render(), Encoding.UTF8, context.RequestAborted);
    }
}
