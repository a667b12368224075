using System.Net;
using System.Net.Http.Headers;
using Kist.Oci;
using Kist.Registry.Manifests;

namespace Kist.Registry;

public sealed partial class RegistryClient
{
    /// <summary>Fetches a manifest or index by tag or digest, keeping its bytes; a by-digest fetch is verified.</summary>
    public async Task<ManifestResponse> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        string what = Describe(repository, reference);
        using var request = Request(HttpMethod.Get, Url(RepositoryPath(repository, "manifests", reference)), repository);
        foreach (var type in ManifestMediaType.Accepted) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var error = await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
            throw new RegistryException($"manifest for {Registry}/{repository}{Separator(reference)}{reference} not found: manifest unknown", 404, error.ErrorCodes);
        }
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
        byte[] bytes = await ReadManifestBytesAsync(response, what, cancellationToken).ConfigureAwait(false);
        string mediaType = ManifestMediaType.Resolve(response.Content.Headers.ContentType?.MediaType, bytes, what);
        var digest = VerifyDigest(bytes, reference, response, what);
        try
        {
            if (MediaTypes.IsIndex(mediaType)) OciDocuments.ParseIndex(bytes);
            else OciDocuments.ParseManifest(bytes);
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException($"{what}: the registry sent a {e.Message}", e);
        }
        return new ManifestResponse(bytes, mediaType, digest);
    }

    /// <summary>The descriptor of a manifest by HEAD (no body), or null when it does not exist or the registry does not say its digest.</summary>
    public async Task<Descriptor?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        string what = Describe(repository, reference);
        using var request = Request(HttpMethod.Head, Url(RepositoryPath(repository, "manifests", reference)), repository);
        foreach (var type in ManifestMediaType.Accepted) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed) return null;
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
        if (!TryHeaderDigest(response, out var digest) || response.Content.Headers.ContentLength is not { } size) return null;
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (MediaTypes.IsSchema1(mediaType) || !(MediaTypes.IsIndex(mediaType) || MediaTypes.IsManifest(mediaType))) return null;
        return new Descriptor { MediaType = mediaType!, Digest = digest, Size = size };
    }

    /// <summary>Stores a manifest or index under a tag or its digest; returns the digest the registry gives it.</summary>
    public async Task<Digest> PutManifestAsync(string repository, string reference, ReadOnlyMemory<byte> bytes, string mediaType, CancellationToken cancellationToken = default)
    {
        string what = $"pushing manifest {Describe(repository, reference)}";
        using var request = Request(HttpMethod.Put, Url(RepositoryPath(repository, "manifests", reference)), repository, push: true);
        request.Content = new ReadOnlyMemoryContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await SendAsync(request, what, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.FromResponseAsync(response, what, cancellationToken).ConfigureAwait(false);
        var computed = Digest.Compute(bytes.Span);
        if (TryHeaderDigest(response, out var returned) && returned.Algorithm == computed.Algorithm && returned != computed)
        {
            throw new DigestMismatchException($"{what}: the registry stored it as {returned}, but its bytes hash to {computed}");
        }
        return computed;
    }

    private static async Task<byte[]> ReadManifestBytesAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > OciDocuments.MaxManifestBytes)
        {
            throw new InvalidInputException($"{what}: the manifest is larger than {OciDocuments.MaxManifestBytes} bytes");
        }
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new MemoryStream();
            var chunk = new byte[16384];
            int n;
            while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > OciDocuments.MaxManifestBytes)
                {
                    throw new InvalidInputException($"{what}: the manifest is larger than {OciDocuments.MaxManifestBytes} bytes");
                }
            }
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw RegistryErrors.FromTransport(e, what);
        }
    }

    private static Digest VerifyDigest(byte[] bytes, string reference, HttpResponseMessage response, string what)
    {
        var sha256 = Digest.Compute(bytes);
        if (Digest.TryParse(reference, out var wanted))
        {
            var actual = wanted.Algorithm == Digest.Sha256 ? sha256 : Digest.FromHash(wanted.Algorithm, System.Security.Cryptography.SHA512.HashData(bytes));
            if (actual != wanted) throw new DigestMismatchException($"{what}: the registry sent a manifest whose digest is {actual}");
            return wanted;
        }
        if (TryHeaderDigest(response, out var header) && header.Algorithm == Digest.Sha256 && header != sha256)
        {
            throw new DigestMismatchException($"{what}: the registry says its digest is {header}, but its bytes hash to {sha256}");
        }
        return sha256;
    }

    private static bool TryHeaderDigest(HttpResponseMessage response, out Digest digest)
    {
        digest = default;
        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out digest);
    }

    private string Describe(string repository, string reference) => $"{Registry}/{repository}{Separator(reference)}{reference}";

    private static string Separator(string reference) => reference.Contains(':') ? "@" : ":";
}
