using System.Globalization;
using Kist.Build.Cache;
using Kist.Content;
using Kist.Oci;

namespace Kist.Engine.Build;

public sealed record BuildCachePruneResult(int Records, long ReclaimedBytes);

/// <summary>
/// <c>kist builder prune</c>: drops build cache records (all, or the least recently used beyond
/// <c>--keep-storage</c>), then collects the blobs nothing references any more.
/// </summary>
public sealed class BuildCachePruner(KistEngine engine)
{
    public async Task<BuildCachePruneResult> PruneAsync(long? keepBytes, CancellationToken cancellationToken = default)
    {
        int removed = new BuildCache(engine.Layout, engine.Content).Prune(keepBytes);
        // Cache mounts (RUN --mount=type=cache) go with a full prune, as BuildKit's do.
        string mounts = Kist.Build.Execution.RunMounts.CacheMountsDirectory(engine.Layout);
        if (keepBytes is null && Directory.Exists(mounts)) Directory.Delete(mounts, recursive: true);
        var collected = await new GarbageCollector(engine.ImageStore).CollectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        long snapshots = await new SnapshotPruner(engine).PruneAsync(cancellationToken).ConfigureAwait(false);
        return new BuildCachePruneResult(removed, collected.ReclaimedBytes + snapshots);
    }

    /// <summary>A size as docker takes it: <c>512</c>, <c>10kb</c>, <c>1.5GB</c>, <c>2g</c> (binary multiples).</summary>
    public static long ParseSize(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        int i = 0;
        while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
        if (i == 0 || !double.TryParse(s[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw new InvalidInputException($"invalid size: '{text}'");
        long unit = s[i..].TrimEnd('b', 'i') switch
        {
            "" => 1,
            "k" => 1L << 10,
            "m" => 1L << 20,
            "g" => 1L << 30,
            "t" => 1L << 40,
            _ => throw new InvalidInputException($"invalid size: '{text}'"),
        };
        return (long)(value * unit);
    }
}
