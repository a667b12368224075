using Kist.Oci;
using Kist.Registry;
using Kist.Registry.Credentials;

namespace Kist.Engine.Distribution;

/// <summary>How pull, push and login reach registries: TLS checks, certificates and where credentials live.</summary>
public sealed record DistributionOptions
{
    public bool TlsVerify { get; init; } = true;
    public string? CertDirectory { get; init; }
    /// <summary>Docker's config directory (<c>DOCKER_CONFIG</c> or <c>~/.docker</c> when null).</summary>
    public string? ConfigDirectory { get; init; }
    /// <summary>Layers moved at once.</summary>
    public int Parallelism { get; init; } = 8;

    public ICredentialProvider CredentialStore() => new DockerConfigCredentialStore(ConfigDirectory);

    public RegistryClient CreateClient(string registry, RegistryCredential? explicitCredential = null) =>
        new(registry, new RegistryClientOptions
        {
            TlsVerify = TlsVerify,
            CertDirectory = CertDirectory,
            Credentials = CredentialStore(),
            ExplicitCredential = explicitCredential,
        });
}

public sealed record PullOptions(Platform? Platform = null, bool AllTags = false);

public sealed record PullResult(ImageReference Reference, Descriptor Target, Digest ImageId, bool Downloaded);

public sealed record PushResult(ImageReference Reference, Digest Digest, long Size);
