using Kist.Oci;
using Kist.Registry;

namespace Kist.Build.Cache.Remote;

/// <summary>A cache exported with <c>type=registry</c>: a manifest under a tag (or digest) of a repository.</summary>
public sealed class RegistryCacheSource(RegistryClient client, ImageReference reference) : CacheSource
{
    public override string Name => reference.ToString();

    protected override async Task<byte[]> ReadManifestAsync(CancellationToken cancellationToken)
    {
        var response = await client.GetManifestAsync(reference.Path, reference.Digest?.ToString() ?? reference.Tag ?? "latest", cancellationToken).ConfigureAwait(false);
        if (response.MediaType != MediaTypes.OciManifest) throw new InvalidInputException($"not a kist build cache: {reference} is a {response.MediaType}");
        return response.Bytes;
    }

    public override Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken cancellationToken) =>
        client.OpenBlobAsync(reference.Path, blob, 0, cancellationToken);

    public override void Dispose()
    {
        client.Dispose();
        base.Dispose();
    }
}
