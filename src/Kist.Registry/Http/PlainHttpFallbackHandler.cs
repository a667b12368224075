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
        catch (HttpRequestException tlsFailure) when (!cancellationToken.IsCancellationRequested && request.Content is null or ByteArrayContent)
        {
            request.RequestUri = ToHttp(uri);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(tlsFailure);
                throw;
            }
            // A TLS server answers plain HTTP with 400 ("Client sent an HTTP request to an HTTPS server"):
            // then the TLS failure is the one worth reporting.
            if (response.StatusCode == System.Net.HttpStatusCode.BadRequest)
            {
                response.Dispose();
                request.RequestUri = uri;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(tlsFailure);
            }
            _plain = true;
            return response;
        }
    }

    private static Uri ToHttp(Uri uri) => new UriBuilder(uri) { Scheme = "http", Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri;
}
