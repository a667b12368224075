using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kist.Oci;
using Kist.Registry.Credentials;

namespace Kist.Registry.Auth;

/// <summary>
/// Fetches bearer tokens from a challenge's realm (Docker's token spec): GET with basic credentials,
/// or the OAuth2 refresh-token POST when the credential is an identity token.
/// </summary>
internal static class TokenClient
{
    public static async Task<BearerToken> FetchAsync(
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
        AuthChallenge challenge, IReadOnlyList<string> scopes, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        if (challenge.Realm is not { } realm || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("https" or "http"))
        {
            throw new RegistryException($"the registry's token realm \"{challenge.Realm}\" is not an http(s) URL");
        }
        HttpRequestMessage request;
        if (credential?.IdentityToken is { Length: > 0 } refreshToken)
        {
            var form = new List<KeyValuePair<string, string>>
            {
                new("grant_type", "refresh_token"), new("refresh_token", refreshToken), new("client_id", "kist"),
            };
            if (challenge.Service is { } s) form.Add(new("service", s));
            if (scopes.Count > 0) form.Add(new("scope", string.Join(' ', scopes)));
            request = new HttpRequestMessage(HttpMethod.Post, realmUri) { Content = new FormUrlEncodedContent(form) };
        }
        else
        {
            var query = new StringBuilder(realmUri.Query.Length > 1 ? realmUri.Query[1..] + "&" : "");
            if (challenge.Service is { } s) query.Append("service=").Append(Uri.EscapeDataString(s)).Append('&');
            foreach (var scope in scopes) query.Append("scope=").Append(Uri.EscapeDataString(scope)).Append('&');
            var uri = new UriBuilder(realmUri) { Query = query.ToString().TrimEnd('&') }.Uri;
            request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (credential is not null) request.Headers.Authorization = Basic(credential);
        }
        using (request)
        using (var response = await send(request, cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                var error = await RegistryErrors.FromResponseAsync(response, "getting a token", cancellationToken).ConfigureAwait(false);
                throw new RegistryException(credential is null ? error.Message : "unauthorized: incorrect username or password",
                    error.StatusCode, error.ErrorCodes);
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await RegistryErrors.FromResponseAsync(response, $"getting a token from {realmUri.GetLeftPart(UriPartial.Path)}", cancellationToken).ConfigureAwait(false);
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            TokenAnswer? answer;
            try
            {
                answer = JsonSerializer.Deserialize(bytes, RegistryJsonContext.Default.TokenAnswer);
            }
            catch (JsonException e)
            {
                throw new RegistryException($"the token server's answer is not JSON: {e.Message}");
            }
            string token = answer?.Token is { Length: > 0 } t ? t : answer?.AccessToken is { Length: > 0 } a ? a
                : throw new RegistryException("the token server's answer holds no token");
            int seconds = answer!.ExpiresIn is int expiresIn && expiresIn > 0 ? expiresIn : 60;
            // Renew a little early, so that a token never expires between the check and the request.
            return new BearerToken(token, DateTimeOffset.UtcNow.AddSeconds(Math.Max(seconds - 10, seconds / 2)));
        }
    }

    public static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Secret)));
}
