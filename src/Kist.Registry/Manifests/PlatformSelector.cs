using Kist.Oci;

namespace Kist.Registry.Manifests;

/// <summary>Picks the manifest of an index that runs on a platform, as docker picks it.</summary>
public static class PlatformSelector
{
    /// <summary>The best manifest for <paramref name="wanted"/>, or a clear error listing the platforms the index has.</summary>
    public static Descriptor Select(ImageIndex index, Platform wanted, string what)
    {
        var images = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType) && !IsAttestation(m)).ToList();
        var matching = images.Where(m => m.Platform is { } p && wanted.Matches(p)).ToList();
        // Among matching variants the highest one not above what is wanted runs best (arm/v7 over arm/v6).
        var best = matching.OrderByDescending(m => Platform.Normalize(m.Platform!).Variant == Platform.Normalize(wanted).Variant)
            .ThenByDescending(m => Platform.Normalize(m.Platform!).Variant, StringComparer.Ordinal).FirstOrDefault();
        if (best is not null) return best;
        if (wanted.Architecture == "amd64" && wanted.Variant is null)
        {
            var plain = images.FirstOrDefault(m => m.Platform is { } p && p.Os == wanted.Os && Platform.Normalize(p).Architecture == "amd64");
            if (plain is not null) return plain;
        }
        var available = images.Where(m => m.Platform is not null).Select(m => Platform.Normalize(m.Platform!).ToString()).Distinct().ToList();
        throw new NotFoundException($"{what}: no matching manifest for {wanted} in the manifest list entries"
            + (available.Count > 0 ? $" (available: {string.Join(", ", available)})" : ""));
    }

    private static bool IsAttestation(Descriptor d) =>
        d.Annotation("vnd.docker.reference.type") == "attestation-manifest" || d.Platform is { Os: "unknown" };
}
