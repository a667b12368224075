using Kist.Build.Progress;
using Kist.Content;
using Kist.Oci;
using Kist.Registry;

namespace Kist.Build.Cache.Remote;

/// <summary>
/// The records of every <c>--cache-from</c> source, read before the build runs. A source that is missing,
/// unreachable or malformed is a warning (as in docker), never a failure: the build then runs without it.
/// </summary>
public sealed class CacheImports : IDisposable
{
    private readonly Dictionary<string, (CacheResult Result, CacheSource Source)> _records = new(StringComparer.Ordinal);
    private readonly List<CacheSource> _sources = [];

    public static CacheImports Empty { get; } = new();

    public int Count => _records.Count;

    public static async Task<CacheImports> LoadAsync(IReadOnlyList<CacheImportSpec> specs, Func<string, RegistryClient>? registries,
        IBuildProgress progress, CancellationToken cancellationToken)
    {
        var imports = new CacheImports();
        foreach (var spec in specs)
        {
            var step = progress.Start("importing cache manifest from " + spec);
            CacheSource? source = null;
            try
            {
                source = Open(spec, registries);
                var records = await source.LoadAsync(cancellationToken).ConfigureAwait(false);
                imports._sources.Add(source);
                int added = 0;
                foreach (var r in records)
                    if (imports._records.TryAdd(r.Key, (r.Result, source))) added++;
                source = null;
                step.Log($"{records.Count} cache records, {added} new");
                step.Done();
            }
            catch (Exception e) when (e is KistException or IOException or HttpRequestException or UnauthorizedAccessException && !cancellationToken.IsCancellationRequested)
            {
                step.Log("WARNING: cache source " + spec + " not used: " + e.Message);
                step.Done();
            }
            finally
            {
                source?.Dispose();
            }
        }
        return imports;
    }

    private static CacheSource Open(CacheImportSpec spec, Func<string, RegistryClient>? registries)
    {
        if (spec.Type == CacheLocationType.Local) return new LocalCacheSource(Path.GetFullPath(spec.Location));
        if (registries is null) throw new KistException("registry caches are not available here");
        var reference = ImageReference.Parse(spec.Location);
        return new RegistryCacheSource(registries(reference.Domain), reference);
    }

    /// <summary>
    /// The imported result of <paramref name="key"/>, its layer fetched into the store (verified) when it is not there;
    /// null when no source has it or its layer cannot be had (a warning on <paramref name="progress"/>; the step then runs).
    /// The caller holds the store's GC lock shared until the result is recorded.
    /// </summary>
    public async Task<CacheResult?> TryImportAsync(LocalContentStore content, string key, IStepProgress progress, CancellationToken cancellationToken)
    {
        if (!_records.TryGetValue(key, out var found)) return null;
        if (found.Result.Layer is not { } layer) return found.Result;
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            if (await LayerImporter.ImportAsync(content, layer, found.Result.DiffId!.Value, ct => found.Source.OpenBlobAsync(layer, ct), cancellationToken).ConfigureAwait(false))
                progress.Log($"imported layer {layer.Digest} ({layer.Size} bytes) from {found.Source.Name} in " + started.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "s");
            return found.Result;
        }
        catch (Exception e) when (e is KistException or IOException or HttpRequestException or UnauthorizedAccessException or InvalidDataException
                                  && !cancellationToken.IsCancellationRequested)
        {
            progress.Log($"WARNING: cache layer {layer.Digest} from {found.Source.Name} not used: {e.Message}");
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var s in _sources) s.Dispose();
        _sources.Clear();
    }
}
