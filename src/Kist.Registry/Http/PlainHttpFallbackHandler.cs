namespace Kist.Registry.Http;

/// <summary>
/// HTTPS first; for a registry on this machine (or with TLS checks off) plain HTTP when HTTPS fails,
/// as docker does for localhost and its insecure registries. The choice is remembered for the client.
/// </summary>
internal sealed class PlainHttpFallbackHandler(bool allowed) : DelegatingHandler
{
    private volatile bool _plain;

    public bool UsesPlainHttp => _plain;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!allowed || request.RequestUri is not { Scheme: "https" } uri) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (_plain)
        {
            request.RequestUri = ToHttp(uri);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested && request.Content is null or ByteArrayContent)
        {
            request.RequestUri = ToHttp(uri);
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _plain = true;
            return response;
        }
    }

    private static Uri ToHttp(Uri uri) => new UriBuilder(uri) { Scheme = "http", Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri;
}
