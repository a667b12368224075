namespace Kist.Registry.Credentials;

/// <summary>Finds the credential for a registry; <c>null</c> means anonymous.</summary>
public interface ICredentialProvider
{
    /// <param name="registryHost">The registry as in an image reference: <c>docker.io</c>, <c>ghcr.io</c>, <c>127.0.0.1:5000</c>.</param>
    ValueTask<RegistryCredential?> GetAsync(string registryHost, CancellationToken cancellationToken = default);
}
