using System.Net;
using Kist.Oci;
using Kist.Registry.Server.Auth;
using Kist.Registry.Server.Storage;

namespace Kist.Registry.Server;

public enum AuthMode
{
    None,
    Basic,
    Token,
}

/// <summary>How a registry runs: storage, auth, limits. Built from a <see cref="RegistryConfig"/> or set directly.</summary>
public sealed class RegistryOptions
{
    public const string DefaultAddress = "127.0.0.1:5000";

    /// <summary>HOST:PORT to listen on; port 0 picks a free port.</summary>
    public string Address { get; set; } = DefaultAddress;

    /// <summary>The storage to serve. Defaults to a <see cref="FileSystemRegistryStorage"/> at <see cref="StoragePath"/>.</summary>
    public IRegistryStorage? Storage { get; set; }
    public string? StoragePath { get; set; }

    public bool ReadOnly { get; set; }
    public AuthMode Auth { get; set; } = AuthMode.None;
    public string? HtpasswdPath { get; set; }
    public string Realm { get; set; } = "Kist Registry";
    public string Service { get; set; } = "kist-registry";
    public string Issuer { get; set; } = "kist-registry";
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);
    public string? SigningKeyPath { get; set; }
    public IReadOnlyList<AccessRule> Access { get; set; } = [];

    public string? TlsCertificatePath { get; set; }
    public string? TlsKeyPath { get; set; }

    public long MaxChunkBytes { get; set; } = long.MaxValue;
    public long MaxBlobBytes { get; set; } = long.MaxValue;
    public TimeSpan GcGrace { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan UploadTtl { get; set; } = TimeSpan.FromDays(1);

    public bool JsonLogs { get; set; }
    public bool LogRequests { get; set; } = true;
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public static RegistryOptions FromConfig(RegistryConfig config)
    {
        var auth = config.Auth;
        var mode = (auth?.Mode ?? "none").ToLowerInvariant() switch
        {
            "none" or "" => AuthMode.None,
            "basic" or "htpasswd" => AuthMode.Basic,
            "token" or "bearer" => AuthMode.Token,
            var other => throw new InvalidInputException($"registry config: unknown auth mode \"{other}\" (none, basic, token)"),
        };
        if (mode != AuthMode.None && auth?.Htpasswd is null) throw new InvalidInputException("registry config: auth.htpasswd is required for basic and token auth");
        if ((config.Tls?.Certificate is null) != (config.Tls?.Key is null)) throw new InvalidInputException("registry config: tls needs both certificate and key");
        foreach (var rule in auth?.Access ?? [])
        {
            foreach (var action in rule.Actions)
            {
                if (action is not ("pull" or "push" or "delete" or "*")) throw new InvalidInputException($"registry config: unknown action \"{action}\" (pull, push, delete, *)");
            }
        }
        var options = new RegistryOptions
        {
            Address = config.Addr ?? DefaultAddress,
            StoragePath = config.Storage,
            ReadOnly = config.ReadOnly,
            Auth = mode,
            HtpasswdPath = auth?.Htpasswd,
            SigningKeyPath = auth?.SigningKey,
            Access = auth?.Access ?? [],
            TlsCertificatePath = config.Tls?.Certificate,
            TlsKeyPath = config.Tls?.Key,
        };
        if (auth?.Realm is { } realm) options.Realm = realm;
        if (auth?.Service is { } service) options.Service = service;
        if (auth?.Issuer is { } issuer) options.Issuer = issuer;
        if (auth?.TokenLifetimeSeconds is { } lifetime) options.TokenLifetime = TimeSpan.FromSeconds(lifetime);
        if (config.Limits?.MaxChunkBytes is { } chunk) options.MaxChunkBytes = chunk;
        if (config.Limits?.MaxBlobBytes is { } blob) options.MaxBlobBytes = blob;
        if (config.Gc?.GraceSeconds is { } grace) options.GcGrace = TimeSpan.FromSeconds(grace);
        if (config.Gc?.UploadTtlSeconds is { } ttl) options.UploadTtl = TimeSpan.FromSeconds(ttl);
        if (config.Log?.Format is { } format) options.JsonLogs = format.Equals("json", StringComparison.OrdinalIgnoreCase);
        if (config.Log?.Requests is { } requests) options.LogRequests = requests;
        if (config.ShutdownTimeoutSeconds is { } shutdown) options.ShutdownTimeout = TimeSpan.FromSeconds(shutdown);
        return options;
    }

    /// <summary>The storage these options name, for tools such as the garbage collector.</summary>
    public IRegistryStorage ResolveStorageForTools() => ResolveStorage();

    internal IRegistryStorage ResolveStorage() =>
        Storage ??= new FileSystemRegistryStorage(StoragePath ?? throw new InvalidInputException("registry: no storage directory given"));

    /// <summary>Parses HOST:PORT (HOST may be an IP, <c>[v6]</c>, <c>localhost</c> or empty for all interfaces).</summary>
    public static IPEndPoint ParseAddress(string address)
    {
        int colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address[(colon + 1)..], out int port) || port is < 0 or > 65535)
            throw new InvalidInputException($"invalid address \"{address}\": expected HOST:PORT");
        string host = address[..colon].Trim('[', ']');
        IPAddress ip = host switch
        {
            "" or "*" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ when IPAddress.TryParse(host, out var parsed) => parsed,
            _ => throw new InvalidInputException($"invalid address \"{address}\": HOST must be an IP address or localhost"),
        };
        return new IPEndPoint(ip, port);
    }
}
