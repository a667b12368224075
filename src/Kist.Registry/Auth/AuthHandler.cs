using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Kist.Registry.Credentials;

namespace Kist.Registry.Auth;

/// <summary>
/// Answers the registry's challenges: Basic with the stored credential, Bearer with a token per scope
/// (cached until it expires, fetched again when the registry refuses it). Once a registry has
/// challenged, later requests carry their authorization from the start, so that streamed uploads,
/// which cannot be sent twice, are not refused.
/// </summary>
internal sealed class AuthHandler(Func<CancellationToken, ValueTask<RegistryCredential?>> credentials) : DelegatingHandler
{
    /// <summary>The token scopes a request needs (<c>repository:NAME:pull</c>), space separated.</summary>
    public static readonly HttpRequestOptionsKey<string> Scope = new("kist.scope");

    private readonly ConcurrentDictionary<string, BearerToken> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile AuthChallenge? _challenge;
    private RegistryCredential? _credential;
    private bool _credentialLoaded;

    /// <summary>The last challenge the registry sent, if any (null: it never asked for credentials).</summary>
    public AuthChallenge? Challenge => _challenge;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.TryGetValue(Scope, out string? scope);
        if (_challenge is { } known && request.Headers.Authorization is null)
        {
            request.Headers.Authorization = await AuthorizationAsync(known, scope, refresh: false, cancellationToken).ConfigureAwait(false);
        }
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || AuthChallenge.From(response.Headers) is not { } challenge) return response;
        bool hadAuthorization = request.Headers.Authorization is not null;
        var previous = _challenge;
        _challenge = challenge;
        // A refused Basic credential stays refused; a refused token may have expired or lack a scope.
        if (challenge.IsBasic && hadAuthorization && previous is { IsBasic: true }) return response;
        if (request.Content is not (null or ByteArrayContent or ReadOnlyMemoryContent)) return response;
        string? wanted = Merge(scope, challenge.Scope);
        var authorization = await AuthorizationAsync(challenge, wanted, refresh: true, cancellationToken).ConfigureAwait(false);
        if (authorization is null) return response;
        response.Dispose();
        request.Headers.Authorization = authorization;
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<AuthenticationHeaderValue?> AuthorizationAsync(AuthChallenge challenge, string? scope, bool refresh, CancellationToken cancellationToken)
    {
        var credential = await CredentialAsync(cancellationToken).ConfigureAwait(false);
        if (challenge.IsBasic) return credential is null ? null : TokenClient.Basic(credential);
        string key = scope ?? "";
        if (!refresh && _tokens.TryGetValue(key, out var cached) && cached.IsValid) return new AuthenticationHeaderValue("Bearer", cached.Value);
        await _fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!refresh && _tokens.TryGetValue(key, out cached) && cached.IsValid) return new AuthenticationHeaderValue("Bearer", cached.Value);
            var scopes = key.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var token = await TokenClient.FetchAsync((r, ct) => base.SendAsync(r, ct), challenge, scopes, credential, cancellationToken).ConfigureAwait(false);
            _tokens[key] = token;
            return new AuthenticationHeaderValue("Bearer", token.Value);
        }
        finally
        {
            _fetching.Release();
        }
    }

    private async ValueTask<RegistryCredential?> CredentialAsync(CancellationToken cancellationToken)
    {
        if (_credentialLoaded) return _credential;
        _credential = await credentials(cancellationToken).ConfigureAwait(false);
        _credentialLoaded = true;
        return _credential;
    }

    private static string? Merge(string? requested, string? challenged)
    {
        var all = (requested + " " + challenged).Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        return all.Count == 0 ? null : string.Join(' ', all);
    }
}
