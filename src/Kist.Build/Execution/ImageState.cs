using Kist.Content;
using Kist.Oci;
using Kist.Snapshots;

namespace Kist.Build.Execution;

/// <summary>
/// An image as a stage builds it: config, layers with their diff IDs, history, and the cache key of the state so far.
/// Immutable: every step returns a new state.
/// </summary>
public sealed record ImageState
{
    public required ContainerConfig Config { get; init; }
    public required string Os { get; init; }
    public required string Architecture { get; init; }
    public string? Variant { get; init; }
    public string? Author { get; init; }
    public IReadOnlyList<Descriptor> Layers { get; init; } = [];
    public IReadOnlyList<Digest> DiffIds { get; init; } = [];
    public IReadOnlyList<HistoryEntry> History { get; init; } = [];
    public required string CacheKey { get; init; }
    /// <summary>The cache keys of the filesystem steps that led here, base stages included (what <c>--cache-to mode=min</c> exports).</summary>
    public IReadOnlyList<string> StepKeys { get; init; } = [];
    /// <summary>CMD was set in this stage (an ENTRYPOINT then keeps it; otherwise ENTRYPOINT clears an inherited CMD).</summary>
    public bool CmdSet { get; init; }

    /// <summary>The snapshot key of this root filesystem (null: empty).</summary>
    public Digest? ChainId => DiffIds.Count == 0 ? null : ImageUnpacker.ChainIds(DiffIds)[^1];

    /// <summary>The latest history date: config-only entries take it, so a cached rebuild gives the same config.</summary>
    public DateTimeOffset? LastCreated => History.LastOrDefault(h => h.Created is not null)?.Created;

    public static ImageState Scratch(Platform platform) => new()
    {
        Config = new ContainerConfig(),
        Os = platform.Os,
        Architecture = platform.Architecture,
        Variant = platform.Variant,
        CacheKey = Cache.CacheKey.Scratch,
    };

    /// <summary>A stage started from an image: its config (ONBUILD triggers consumed), layers and history.</summary>
    public static ImageState FromImage(LocalImage image)
    {
        var config = image.ConfigValue;
        return new ImageState
        {
            Config = (config.Config ?? new ContainerConfig()) with { OnBuild = null },
            Os = config.Os,
            Architecture = config.Architecture,
            Variant = config.Variant,
            Author = config.Author,
            Layers = image.Manifest.Value.Layers.Select(OciLayer).ToArray(),
            DiffIds = config.RootFs.DiffIds,
            History = config.History ?? [],
            CacheKey = Cache.CacheKey.ForImage(image.Id),
        };
    }

    /// <summary>The same layer bytes under the OCI media type (the built manifest is an OCI one).</summary>
    private static Descriptor OciLayer(Descriptor d) => d.MediaType switch
    {
        MediaTypes.DockerLayerGzip => d with { MediaType = MediaTypes.OciLayerGzip },
        MediaTypes.DockerLayer => d with { MediaType = MediaTypes.OciLayer },
        _ => d,
    };

    public ImageState WithConfig(ContainerConfig config, HistoryEntry entry) =>
        this with { Config = config, History = [.. History, entry] };

    public ImageState WithLayer(Descriptor layer, Digest diffId, HistoryEntry entry, string cacheKey) =>
        this with { Layers = [.. Layers, layer], DiffIds = [.. DiffIds, diffId], History = [.. History, entry], CacheKey = cacheKey, StepKeys = [.. StepKeys, cacheKey] };
}
