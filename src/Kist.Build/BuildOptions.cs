namespace Kist.Build;

/// <summary>A secret for <c>RUN --mount=type=secret</c>: a file's bytes or an environment variable's value.</summary>
public sealed record BuildSecret(string Id, string? SourceFile, string? EnvironmentVariable);

/// <summary>Everything one <c>kist build</c> asks for, besides the context.</summary>
public sealed record BuildOptions
{
    /// <summary>The Dockerfile's text (read from the context, <c>-f</c> or stdin).</summary>
    public required string Dockerfile { get; init; }
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    /// <summary>The stage to build (<c>--target</c>); the last one when null.</summary>
    public string? Target { get; init; }
    /// <summary><c>--label</c>s, set on the final image's config over the Dockerfile's.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public bool NoCache { get; init; }
    /// <summary>Pull every base image even when it is in the store.</summary>
    public bool Pull { get; init; }
    /// <summary>The network of RUN steps: <c>default</c> (the host's, as BuildKit's host mode), <c>host</c> or <c>none</c>.</summary>
    public string Network { get; init; } = "default";
    public IReadOnlyDictionary<string, BuildSecret> Secrets { get; init; } = new Dictionary<string, BuildSecret>(StringComparer.Ordinal);
    /// <summary>Clamps file times and sets every created date (<c>SOURCE_DATE_EPOCH</c>), for reproducible digests.</summary>
    public long? SourceDateEpoch { get; init; }
    /// <summary>The OCI runtime for RUN (<c>runc</c> by default).</summary>
    public string Runtime { get; init; } = "runc";
    /// <summary><c>--cache-from</c>: exported caches whose records count as hits.</summary>
    public IReadOnlyList<Cache.Remote.CacheImportSpec> CacheFrom { get; init; } = [];
    /// <summary><c>--cache-to</c>: where this build's cache records are exported.</summary>
    public IReadOnlyList<Cache.Remote.CacheExportSpec> CacheTo { get; init; } = [];
}
