using Kist.Registry;
using Kist.Registry.Credentials;

namespace Kist.Engine.Distribution;

/// <summary><c>kist login</c>/<c>logout</c>: check credentials against the registry, then keep them where docker keeps them.</summary>
public sealed class LoginService(DistributionOptions options)
{
    /// <summary>The registry name credentials are stored under: <c>docker.io</c> when no server is given.</summary>
    public static string ServerName(string? server) => string.IsNullOrWhiteSpace(server) ? RegistryHosts.DockerHub : RegistryHosts.Normalize(server);

    /// <summary>The credential stored for a registry, if any.</summary>
    public ValueTask<RegistryCredential?> StoredAsync(string? server, CancellationToken cancellationToken = default) =>
        options.CredentialStore().GetAsync(ServerName(server), cancellationToken);

    /// <summary>Verifies the credential on <c>/v2/</c> through the registry's auth flow, then stores it.</summary>
    public async Task LoginAsync(string? server, RegistryCredential credential, CancellationToken cancellationToken = default)
    {
        string registry = ServerName(server);
        using (var client = options.CreateClient(registry, credential))
        {
            await client.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        await new DockerConfigCredentialStore(options.ConfigDirectory).StoreAsync(registry, credential, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets a registry's credential; false when none was stored.</summary>
    public async Task<bool> LogoutAsync(string? server, CancellationToken cancellationToken = default) =>
        await new DockerConfigCredentialStore(options.ConfigDirectory).EraseAsync(ServerName(server), cancellationToken).ConfigureAwait(false);
}
