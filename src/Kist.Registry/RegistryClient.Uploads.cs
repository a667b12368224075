using System.Net;
using System.Net.Http.Headers;
using Kist.Oci;
using Kist.Registry.Http;
using Kist.Registry.Uploads;

namespace Kist.Registry;

public sealed partial class RegistryClient
{
    private const int UploadBufferSize = 1 << 20;

    /// <summary>
    /// Pushes a blob unless the repository has it: one monolithic PUT, or PATCH chunks when
    /// <see cref="RegistryClientOptions.ChunkSize"/> asks for them. A failed upload is started over with
    /// the source opened again (429, 5xx, broken connections), up to the client's attempts.
    /// </summary>
    /// <param name="mountFrom">Another repository of this registry that has the blob: mounted from there when the registry agrees.</param>
    public async Task<BlobPushResult> PushBlobAsync(string repository, Descriptor blob, Func<CancellationToken, ValueTask<Stream>> open,
        IProgress<long>? progress = null, string? mountFrom = null, CancellationToken cancellationToken = default)
    {
        if (await BlobExistsAsync(repository, blob.Digest, cancellationToken, push: true).ConfigureAwait(false)) return BlobPushResult.Existed;
        if (mountFrom is not null && await TryMountBlobAsync(repository, mountFrom, blob.Digest, cancellationToken).ConfigureAwait(false)) return BlobPushResult.Mounted;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var location = await StartUploadAsync(repository, null, blob.Digest, cancellationToken).ConfigureAwait(false);
                await using var source = new CountingReadStream(await open(cancellationToken).ConfigureAwait(false), progress);
                if (Options.ChunkSize > 0 && blob.Size > Options.ChunkSize)
                {
                    await UploadChunkedAsync(repository, location!, blob, source, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await UploadMonolithicAsync(repository, location!, blob, source, cancellationToken).ConfigureAwait(false);
                }
                return BlobPushResult.Uploaded;
            }
            catch (RegistryException e) when (attempt < Options.MaxAttempts && (e.StatusCode == 0 || RetryHandler.IsRetryable((HttpStatusCode)e.StatusCode))
                                              && !cancellationToken.IsCancellationRequested)
            {
                progress?.Report(0);
                await Task.Delay(TimeSpan.FromMilliseconds(200 << Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Asks the registry to link a blob from another of its repositories; false when it will not (nothing is sent then).</summary>
    public async Task<bool> TryMountBlobAsync(string repository, string sourceRepository, Digest digest, CancellationToken cancellationToken = default)
    {
        try
        {
            var location = await StartUploadAsync(repository, sourceRepository, digest, cancellationToken).ConfigureAwait(false);
            if (location is null) return true;
            await CancelUploadAsync(repository, location, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (RegistryException e) when (e.StatusCode is 401 or 403 or 404)
        {
            return false; // no pull access to the source: upload instead
        }
    }

    /// <summary>POST: a new upload session's location, or null when a mount request was honoured (201).</summary>
    private async Task<Uri?> StartUploadAsync(string repository, string? mountFrom, Digest digest, CancellationToken cancellationToken)
    {
        string what = $"starting an upload of {digest} to {Registry}/{repository}";
        string path = $"v2/{repository}/blobs/uploads/" + (mountFrom is null ? "" : $"?mount={digest}&from={Uri.EscapeDataString(mountFrom)}");
        using var request = Request(HttpMethod.Post, Url(path), repository, push: true, extraScope: mountFrom is null ? null : $"repository:{mountFrom}:pull");
        request.Content = new ByteArrayContent([]);
        using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        if (mountFrom is not null && response.StatusCode == HttpStatusCode.Created) return null;
        if (response.StatusCode != HttpStatusCode.Accepted) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
        return Location(response, what);
    }

    private async Task UploadMonolithicAsync(string repository, Uri location, Descriptor blob, Stream source, CancellationToken cancellationToken)
    {
        string what = $"uploading {blob.Digest} to {Registry}/{repository}";
        using var request = Request(HttpMethod.Put, WithDigest(location, blob.Digest), repository, push: true);
        request.Content = new StreamContent(source, UploadBufferSize);
        request.Content.Headers.ContentLength = blob.Size;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadChunkedAsync(string repository, Uri location, Descriptor blob, Stream source, CancellationToken cancellationToken)
    {
        string what = $"uploading {blob.Digest} to {Registry}/{repository}";
        var buffer = new byte[(int)Math.Min(Options.ChunkSize, blob.Size)];
        long sent = 0;
        while (sent < blob.Size)
        {
            int length = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (length == 0) throw new DigestMismatchException($"{what}: the source ended after {sent} of {blob.Size} bytes");
            using var request = Request(HttpMethod.Patch, location, repository, push: true);
            request.Content = new ByteArrayContent(buffer, 0, length);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{sent}-{sent + length - 1}");
            using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Accepted) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
            location = Location(response, what);
            sent += length;
        }
        using var close = Request(HttpMethod.Put, WithDigest(location, blob.Digest), repository, push: true);
        close.Content = new ByteArrayContent([]);
        using var closed = await SendAsync(close, what, cancellationToken).ConfigureAwait(false);
        if (closed.StatusCode != HttpStatusCode.Created) throw await RegistryErrors.FromResponseAsync(closed, what, cancellationToken).ConfigureAwait(false);
    }

    private async Task CancelUploadAsync(string repository, Uri location, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Delete, location, repository, push: true);
        try
        {
            using var response = await SendAsync(request, "cancelling an upload", cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException)
        {
            // An abandoned session expires on the registry by itself.
        }
    }

    private static Uri Location(HttpResponseMessage response, string what)
    {
        var location = response.Headers.Location ?? throw new RegistryException($"{what}: the registry sent no upload location", (int)response.StatusCode);
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private static Uri WithDigest(Uri location, Digest digest)
    {
        var builder = new UriBuilder(location);
        string query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "digest=" + Uri.EscapeDataString(digest.ToString());
        return builder.Uri;
    }
}
