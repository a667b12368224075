namespace Kist.Cli.Tests.EndToEnd.Registries;

/// <summary>What the end-to-end tests need to know about a registry fixture, whichever server runs it.</summary>
public interface ITestRegistry
{
    /// <summary>HOST:PORT, as in image references.</summary>
    string Host { get; }
    bool IsTls { get; }
    /// <summary><c>http://HOST</c> or <c>https://HOST</c>.</summary>
    string Url { get; }
    /// <summary>A folder in docker's <c>certs.d/HOST</c> layout with <c>ca.crt</c>, for <c>--cert-dir</c>; null without TLS.</summary>
    string? CertDirectory { get; }
    string? CaCertificatePath { get; }
    /// <summary>The user with every right; null when the registry has no auth.</summary>
    string? Username { get; }
    string? Password { get; }
    /// <summary><c>user:password</c> for <c>--creds</c>, or null.</summary>
    string? Credentials { get; }
    string StorageDirectory { get; }
    string Log { get; }
}
