using System.Net;
using Kist.Oci;
using Kist.Registry.Auth;
using Kist.Registry.Http;

namespace Kist.Registry;

/// <summary>
/// A client of one registry (OCI distribution spec v1.1 and Docker's registry API v2): one HttpClient
/// over a connection pool, wrapped by the auth, retry and plain-HTTP fallback handlers.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly AuthHandler _auth;
    private readonly Uri _base;

    /// <param name="registry">The registry as references name it: <c>docker.io</c> or <c>host[:port]</c>.</param>
    /// <param name="transport">The innermost handler (tests); a pooled SocketsHttpHandler by default.</param>
    public RegistryClient(string registry, RegistryClientOptions? options = null, HttpMessageHandler? transport = null)
    {
        Registry = RegistryHosts.Normalize(registry);
        Options = options ?? new RegistryClientOptions();
        string apiHost = RegistryHosts.ApiHost(Registry);
        _base = new Uri($"https://{apiHost}/");
        transport ??= new SocketsHttpHandler
        {
            SslOptions = TlsSettings.Create(apiHost, Options),
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 64,
            AllowAutoRedirect = true,
        };
        var fallback = new PlainHttpFallbackHandler(RegistryHosts.IsLoopback(apiHost) || !Options.TlsVerify) { InnerHandler = transport };
        var retry = new RetryHandler(Options) { InnerHandler = fallback };
        var credentials = Options.Credentials;
        _auth = new AuthHandler(async ct => Options.ExplicitCredential
            ?? (credentials is null ? null : await credentials.GetAsync(Registry, ct).ConfigureAwait(false))) { InnerHandler = retry };
        _http = new HttpClient(_auth) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(Options.UserAgent);
    }

    /// <summary><c>docker.io</c> or <c>host[:port]</c>.</summary>
    public string Registry { get; }

    public RegistryClientOptions Options { get; }

    /// <summary>
    /// <c>GET /v2/</c> through the auth flow: succeeds when the registry answers and accepts the
    /// credentials (a token for no scope where it wants tokens); <c>kist login</c> checks credentials so.
    /// </summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "v2/"));
        using var response = await SendAsync(request, $"{Registry}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new RegistryException($"login to {Registry}: unauthorized: incorrect username or password", 401, ["UNAUTHORIZED"]);
        }
        if (!response.IsSuccessStatusCode) throw await RegistryErrors.FromResponseAsync(response, $"{Registry}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the registry asked for credentials at all (known after a first request).</summary>
    public bool RequiresAuth => _auth.Challenge is not null;

    internal Uri Url(string relative) => new(_base, relative);

    internal static string RepositoryPath(string repository, string kind, string reference) => $"v2/{repository}/{kind}/{reference}";

    internal static HttpRequestMessage Request(HttpMethod method, Uri uri, string repository, bool push = false, string? extraScope = null)
    {
        var request = new HttpRequestMessage(method, uri);
        string scope = $"repository:{repository}:{(push ? "pull,push" : "pull")}";
        request.Options.Set(AuthHandler.Scope, extraScope is null ? scope : scope + " " + extraScope);
        return request;
    }

    /// <summary>Sends, turning transport failures into one clear <see cref="RegistryException"/>.</summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseHeadersRead)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw RegistryErrors.FromTransport(e, what);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw RegistryErrors.FromTransport(e, what);
        }
    }

    public void Dispose() => _http.Dispose();
}
