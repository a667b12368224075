using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Kist.Registry.Server.Auth;

/// <summary>Who made a request: a user (null = anonymous) and, in token mode, what the token grants.</summary>
public sealed record RequestIdentity(string? User, IReadOnlyList<TokenAccess>? Granted)
{
    public static readonly RequestIdentity Anonymous = new(null, null);
}

/// <summary>Authentication (none, htpasswd basic, own bearer tokens) and authorization of registry requests.</summary>
public sealed class RegistryAuth : IDisposable
{
    private readonly RegistryOptions _options;
    private readonly Htpasswd? _htpasswd;
    public AccessPolicy Policy { get; }
    public TokenService? Tokens { get; }

    public RegistryAuth(RegistryOptions options)
    {
        _options = options;
        Policy = new AccessPolicy(options.Access);
        if (options.Auth != AuthMode.None)
            _htpasswd = new Htpasswd(options.HtpasswdPath ?? throw new ArgumentException("an htpasswd file is required for basic and token auth"));
        if (options.Auth == AuthMode.Token)
            Tokens = new TokenService(options.Issuer, options.Service, options.TokenLifetime, options.SigningKeyPath);
    }

    public AuthMode Mode => _options.Auth;

    public bool CheckPassword(string user, string password) => _htpasswd?.Verify(user, password) ?? false;

    /// <summary>The identity of a request; throws a 401 when it carries credentials that are not valid.</summary>
    public RequestIdentity Authenticate(HttpContext context)
    {
        if (Mode == AuthMode.None) return RequestIdentity.Anonymous;
        string? header = context.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return RequestIdentity.Anonymous;
        if (Mode == AuthMode.Basic)
        {
            if (TryParseBasic(header, out var user, out var password) && CheckPassword(user, password)) return new RequestIdentity(user, null);
            throw Challenge(context, null, null, "invalid credentials");
        }
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Tokens!.Validate(header[7..].Trim()) is { } claims)
            return new RequestIdentity(claims.Subject, claims.Access);
        throw Challenge(context, null, null, "invalid token", "invalid_token");
    }

    public static bool TryParseBasic(string header, out string user, out string password)
    {
        user = password = "";
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim())); }
        catch (FormatException) { return false; }
        int colon = decoded.IndexOf(':');
        if (colon <= 0) return false;
        user = decoded[..colon];
        password = decoded[(colon + 1)..];
        return true;
    }

    public bool Can(RequestIdentity identity, string repository, string action)
    {
        if (Mode == AuthMode.None) return true;
        if (!Policy.Allows(identity.User, repository, action)) return false;
        if (Mode == AuthMode.Basic) return true;
        return identity.Granted is { } granted && granted.Any(a =>
            a.Type == "repository" && a.Name == repository && (a.Actions.Contains(action) || a.Actions.Contains("*")));
    }

    /// <summary>Throws 401 (so the client logs in or fetches a token) or 403 unless the identity may do all of <paramref name="actions"/>.</summary>
    public void Require(HttpContext context, RequestIdentity identity, string repository, params string[] actions)
    {
        if (Mode == AuthMode.None) return;
        if (actions.All(a => Can(identity, repository, a))) return;
        string scope = $"repository:{repository}:{string.Join(',', actions)}";
        if (identity.User is null) throw Challenge(context, scope, null, "authentication required");
        if (actions.All(a => Policy.Allows(identity.User, repository, a)))
            throw Challenge(context, scope, null, "token does not grant " + scope, "insufficient_scope");
        throw RegistryErrors.Denied(scope);
    }

    /// <summary>Throws 401 unless the request is authenticated (any user, or a token).</summary>
    public void RequireAuthenticated(HttpContext context, RequestIdentity identity, string? scope = null)
    {
        if (Mode == AuthMode.None || identity.User is not null || identity.Granted is not null) return;
        throw Challenge(context, scope, null, "authentication required");
    }

    public RegistryErrorException Challenge(HttpContext context, string? scope, string? _, string detail, string? error = null)
    {
        string value;
        if (Mode == AuthMode.Basic)
        {
            value = $"Basic realm=\"{_options.Realm}\"";
        }
        else
        {
            string realm = $"{context.Request.Scheme}://{context.Request.Host}/token";
            value = $"Bearer realm=\"{realm}\",service=\"{_options.Service}\"";
            if (scope is not null) value += $",scope=\"{scope}\"";
            if (error is not null) value += $",error=\"{error}\"";
        }
        context.Response.Headers.WWWAuthenticate = value;
        return new RegistryErrorException(HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized, "authentication required", detail);
    }

    /// <summary>The scopes a user gets of those requested (<c>repository:NAME:ACTIONS</c>, <c>registry:catalog:*</c>).</summary>
    public IReadOnlyList<TokenAccess> Grant(string? user, IEnumerable<string> scopes)
    {
        var granted = new List<TokenAccess>();
        foreach (var scope in scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            int first = scope.IndexOf(':'), last = scope.LastIndexOf(':');
            if (first <= 0 || last <= first) continue;
            string type = scope[..first], name = scope[(first + 1)..last];
            var requested = scope[(last + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
            if (type == "repository" && RepositoryNames.IsValidName(name))
            {
                var allowed = Policy.ActionsFor(user, name);
                var actions = requested.Contains("*") ? [.. allowed] : requested.Where(allowed.Contains).Distinct().ToList();
                if (actions.Count > 0) granted.Add(new TokenAccess(type, name, actions));
            }
            else if (type == "registry" && name == "catalog" && user is not null)
            {
                granted.Add(new TokenAccess(type, name, ["*"]));
            }
        }
        return granted;
    }

    public void Dispose() => Tokens?.Dispose();
}
