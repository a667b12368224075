using System.Net;
using System.Net.Http.Headers;
using Kist.Oci;
using Kist.Registry.Blobs;

namespace Kist.Registry;

public sealed partial class RegistryClient
{
    /// <summary>HEAD: whether the repository has the blob (so that nothing present is uploaded again).</summary>
    public async Task<bool> BlobExistsAsync(string repository, Digest digest, CancellationToken cancellationToken = default, bool push = false)
    {
        string what = $"checking blob {digest} in {Registry}/{repository}";
        using var request = Request(HttpMethod.Head, Url(RepositoryPath(repository, "blobs", digest.ToString())), repository, push);
        using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Opens a blob's body from <paramref name="offset"/> on, resuming after broken connections. The bytes
    /// are not verified here: the caller hashes them as it stores them (the content store's writer does).
    /// </summary>
    public async Task<Stream> OpenBlobAsync(string repository, Descriptor blob, long offset = 0, CancellationToken cancellationToken = default)
    {
        string what = $"blob {blob.Digest} of {Registry}/{repository}";
        HttpResponseMessage response;
        Stream body;
        try
        {
            (response, body) = await OpenBlobAtAsync(repository, blob, offset, what, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when ((e is IOException or HttpRequestException || e is RegistryException { StatusCode: 0 })
                                  && !cancellationToken.IsCancellationRequested)
        {
            // Broken before the first byte: the stream asks again on its first read, as after any break.
            (response, body) = (new HttpResponseMessage(), Stream.Null);
        }
        return new ResumingBlobStream(response, body, offset, blob.Size, what,
            (position, ct) => OpenBlobAtAsync(repository, blob, position, what, ct));
    }

    private async Task<(HttpResponseMessage, Stream)> OpenBlobAtAsync(string repository, Descriptor blob, long offset, string what, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, Url(RepositoryPath(repository, "blobs", blob.Digest.ToString())), repository);
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
        var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var error = await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
                throw new RegistryException($"{what}: blob unknown to registry", 404, error.ErrorCodes);
            }
            if (!response.IsSuccessStatusCode) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            if (offset > 0 && response.StatusCode != HttpStatusCode.PartialContent)
            {
                // The registry ignored the range: skip what is already here.
                await SkipAsync(body, offset, what, cancellationToken).ConfigureAwait(false);
            }
            else if (offset > 0 && response.Content.Headers.ContentRange is { From: { } from } && from != offset)
            {
                throw new RegistryException($"{what}: asked for bytes from {offset}, the registry sent them from {from}");
            }
            return (response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static async Task SkipAsync(Stream body, long count, string what, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (count > 0)
        {
            int n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new RegistryException($"{what}: the body ended before the resume point");
            count -= n;
        }
    }
}
