using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kist.Oci;

namespace Kist.Build.Cache.Remote;

/// <summary>A step's cache record as exported or imported: its key and result.</summary>
public sealed record CacheRecord(string Key, CacheResult Result);

/// <summary>An exported cache as the documents that carry it: the config blob, the manifest over it and the layer blobs.</summary>
public sealed record CacheManifestBlobs(byte[] Config, Descriptor ConfigDescriptor, byte[] Manifest, Descriptor ManifestDescriptor, IReadOnlyList<Descriptor> Layers);

/// <summary>
/// Kist's build cache format: one OCI image manifest whose config (<see cref="ConfigMediaType"/>) lists the steps'
/// records and whose layers are the distinct layer blobs they name. Parsing trusts nothing: keys must be sha256 keys
/// (they name files), every layer a record names must be in the manifest with the same size, sizes are bounded.
/// </summary>
public static partial class CacheManifest
{
    public const string ConfigMediaType = "application/vnd.kist.buildcache.config.v1+json";
    /// <summary>About 40 000 records; a bigger config is refused before it is read.</summary>
    public const int MaxConfigBytes = 16 * 1024 * 1024;

    private static readonly HashSet<string> LayerMediaTypes =
        [MediaTypes.OciLayerGzip, MediaTypes.DockerLayerGzip, MediaTypes.OciLayer, MediaTypes.DockerLayer, MediaTypes.OciLayerZstd];

    public static CacheManifestBlobs Create(IEnumerable<CacheRecord> records)
    {
        var list = records.DistinctBy(r => r.Key).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        var layers = new List<Descriptor>();
        var seen = new HashSet<Digest>();
        foreach (var r in list)
            if (r.Result.Layer is { } layer && seen.Add(layer.Digest))
                layers.Add(new Descriptor { MediaType = layer.MediaType, Digest = layer.Digest, Size = layer.Size });
        var config = new CacheConfigDocument
        {
            Records = list.Select(r => new CacheRecordDocument
            {
                Key = r.Key,
                Created = r.Result.Created.ToString("O", CultureInfo.InvariantCulture),
                Layer = r.Result.Layer is { } l ? new Descriptor { MediaType = l.MediaType, Digest = l.Digest, Size = l.Size } : null,
                DiffId = r.Result.DiffId,
            }).ToList(),
        };
        var configBytes = OciDocuments.Serialize(config, CacheJsonContext.Default.CacheConfigDocument);
        var configDescriptor = new Descriptor { MediaType = ConfigMediaType, Digest = Digest.Compute(configBytes), Size = configBytes.Length };
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = configDescriptor, Layers = layers };
        var manifestBytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
        var manifestDescriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = Digest.Compute(manifestBytes), Size = manifestBytes.Length };
        return new CacheManifestBlobs(configBytes, configDescriptor, manifestBytes, manifestDescriptor, layers);
    }

    /// <summary>Checks a manifest is a kist build cache and its config may be fetched (its media type and size).</summary>
    public static ImageManifest ParseManifest(byte[] bytes)
    {
        var manifest = OciDocuments.ParseManifest(bytes).Value;
        if (manifest.Config.MediaType != ConfigMediaType)
            throw new InvalidInputException($"not a kist build cache: its config is {manifest.Config.MediaType}, not {ConfigMediaType}");
        if (manifest.Config.Size is < 0 or > MaxConfigBytes)
            throw new InvalidInputException($"build cache config of {manifest.Config.Size} bytes refused (at most {MaxConfigBytes})");
        foreach (var layer in manifest.Layers)
        {
            if (!LayerMediaTypes.Contains(layer.MediaType)) throw new InvalidInputException($"build cache layer {layer.Digest} has the unsupported media type {layer.MediaType}");
            if (layer.Size < 0) throw new InvalidInputException($"build cache layer {layer.Digest} has a negative size");
        }
        return manifest;
    }

    /// <summary>The records of a cache config (its bytes already verified against the manifest's digest), checked against the manifest.</summary>
    public static IReadOnlyList<CacheRecord> ParseRecords(ImageManifest manifest, byte[] config)
    {
        CacheConfigDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(config, CacheJsonContext.Default.CacheConfigDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"malformed build cache config: {e.Message}", e);
        }
        if (document is null) throw new InvalidInputException("malformed build cache config: null");
        var layers = new Dictionary<Digest, Descriptor>();
        foreach (var layer in manifest.Layers) layers.TryAdd(layer.Digest, layer);
        var records = new List<CacheRecord>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in document.Records)
        {
            if (r is null) throw new InvalidInputException("malformed build cache config: a null record");
            if (!KeyPattern().IsMatch(r.Key)) throw new InvalidInputException($"build cache record has an invalid key \"{Truncate(r.Key)}\"");
            if (!keys.Add(r.Key)) throw new InvalidInputException($"build cache record {r.Key} appears twice");
            if (!DateTimeOffset.TryParse(r.Created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created))
                throw new InvalidInputException($"build cache record {r.Key} has an invalid date \"{Truncate(r.Created)}\"");
            Descriptor? layer = null;
            if (r.Layer is { } l)
            {
                if (!layers.TryGetValue(l.Digest, out var listed) || listed.Size != l.Size)
                    throw new InvalidInputException($"build cache record {r.Key} names layer {l.Digest}, which the manifest does not list with that size");
                if (r.DiffId is not { Algorithm: Digest.Sha256 }) throw new InvalidInputException($"build cache record {r.Key} has a layer but no sha256 diffID");
                // The built image's manifest is an OCI one: gzip layers keep their bytes under the OCI media type.
                layer = new Descriptor
                {
                    MediaType = listed.MediaType switch
                    {
                        MediaTypes.DockerLayerGzip => MediaTypes.OciLayerGzip,
                        MediaTypes.DockerLayer => MediaTypes.OciLayer,
                        var t => t,
                    },
                    Digest = listed.Digest,
                    Size = listed.Size,
                };
            }
            else if (r.DiffId is not null) throw new InvalidInputException($"build cache record {r.Key} has a diffID but no layer");
            records.Add(new CacheRecord(r.Key, new CacheResult(layer, layer is null ? null : r.DiffId, created)));
        }
        return records;
    }

    private static string Truncate(string value) => value.Length > 80 ? value[..80] + "…" : value;

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex KeyPattern();
}
