using System.Text;
using Kist.Oci;

namespace Kist.Snapshots;

/// <summary>A layer to unpack: its diff ID and a way to open its (possibly compressed) bytes.</summary>
public sealed record LayerSource(Digest DiffId, Func<CancellationToken, ValueTask<Stream>> Open);

/// <summary>Unpacks image layers into committed snapshots keyed by ChainID, so images share their common layers.</summary>
public static class ImageUnpacker
{
    /// <summary>ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)).</summary>
    public static IReadOnlyList<Digest> ChainIds(IEnumerable<Digest> diffIds)
    {
        var result = new List<Digest>();
        foreach (var d in diffIds)
            result.Add(result.Count == 0 ? d : Digest.Compute(Encoding.ASCII.GetBytes(result[^1] + " " + d)));
        return result;
    }

    /// <summary>Unpacks the layers that are not yet there and returns the top ChainID (the key of the image's root filesystem).</summary>
    public static async Task<Digest> UnpackAsync(ISnapshotter snapshotter, IReadOnlyList<LayerSource> layers,
        CancellationToken cancellationToken = default)
    {
        if (layers.Count == 0) throw new InvalidInputException("image has no layers");
        var chain = ChainIds(layers.Select(l => l.DiffId));
        for (int i = 0; i < layers.Count; i++)
        {
            string key = chain[i].ToString();
            if (await snapshotter.StatAsync(key, cancellationToken).ConfigureAwait(false) is { Kind: SnapshotKind.Committed }) continue;
            string? parent = i == 0 ? null : chain[i - 1].ToString();
            var layer = layers[i];
            await SnapshotCommit.CreateAsync(snapshotter, key, parent, async mounts =>
            {
                await using var stream = await layer.Open(cancellationToken).ConfigureAwait(false);
                await MountApplier.ApplyAsync(mounts, stream, layer.DiffId, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        return chain[^1];
    }
}
