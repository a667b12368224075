using Kist.Registry.Credentials;

namespace Kist.Registry;

/// <summary>How to reach a registry: TLS checks, extra certificates, credentials, retries and upload shape.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>False accepts any server certificate (<c>--tls-verify=false</c>); plain HTTP is then tried too.</summary>
    public bool TlsVerify { get; init; } = true;

    /// <summary>A directory of <c>*.crt</c> CAs and <c>*.cert</c>/<c>*.key</c> client pairs; null: docker's and containers' certs.d for the host.</summary>
    public string? CertDirectory { get; init; }

    public ICredentialProvider? Credentials { get; init; }

    /// <summary>Credentials that win over the provider (<c>kist login -u -p</c> checks them before storing).</summary>
    public RegistryCredential? ExplicitCredential { get; init; }

    /// <summary>Attempts of a request that meets 429 or 5xx or a broken connection, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first backoff delay; it doubles per attempt (a <c>Retry-After</c> answer wins).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait honoured for a <c>Retry-After</c>.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Above this size a blob is uploaded in PATCH chunks of this size; 0 uploads every blob in one PUT.</summary>
    public long ChunkSize { get; init; }

    public string UserAgent { get; init; } = "kist/0.1";
}
