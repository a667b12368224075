using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kist.Registry.Http;

/// <summary>
/// The TLS side of a registry connection: the system trust store plus the CAs of the host's certs.d
/// directory (<c>*.crt</c>), client certificates from <c>*.cert</c>/<c>*.key</c> pairs, or no checks at all.
/// </summary>
internal static class TlsSettings
{
    public static readonly string[] DefaultCertRoots = ["/etc/docker/certs.d", "/etc/containers/certs.d"];

    public static SslClientAuthenticationOptions Create(string apiHost, RegistryClientOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (!options.TlsVerify)
        {
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            return ssl;
        }
        var directories = options.CertDirectory is { } dir ? [dir] : DefaultCertRoots.Select(r => Path.Combine(r, apiHost)).ToArray();
        var authorities = new X509Certificate2Collection();
        var clientCertificates = new X509Certificate2Collection();
        foreach (var directory in directories.Where(Directory.Exists))
        {
            foreach (var crt in Directory.EnumerateFiles(directory, "*.crt").Order(StringComparer.Ordinal))
            {
                authorities.ImportFromPemFile(crt);
            }
            foreach (var cert in Directory.EnumerateFiles(directory, "*.cert").Order(StringComparer.Ordinal))
            {
                string key = Path.ChangeExtension(cert, ".key");
                if (!File.Exists(key)) throw new Oci.InvalidInputException($"client certificate {cert} has no key {key}");
                clientCertificates.Add(X509Certificate2.CreateFromPemFile(cert, key));
            }
        }
        if (clientCertificates.Count > 0) ssl.ClientCertificates = clientCertificates;
        if (authorities.Count > 0)
        {
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None) return true;
                if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }
        return ssl;
    }
}
