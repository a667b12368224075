using Kist.Oci;
using Kist.Snapshots;

namespace Kist.Build.Execution;

/// <summary>Makes sure a state's root filesystem exists as committed snapshots, unpacking only the layers that are missing.</summary>
public static class SnapshotChain
{
    /// <summary>The ChainID to mount (null for an empty root filesystem).</summary>
    public static async Task<Digest?> EnsureAsync(BuildEnvironment env, ImageState state, CancellationToken cancellationToken)
    {
        if (state.ChainId is not { } top) return null;
        if (await env.Snapshotter.StatAsync(top.ToString(), cancellationToken).ConfigureAwait(false) is { Kind: SnapshotKind.Committed }) return top;
        if (state.Layers.Count != state.DiffIds.Count)
            throw new InvalidInputException($"image has {state.Layers.Count} layers but {state.DiffIds.Count} diff IDs");
        var layers = state.Layers.Select((d, i) => new LayerSource(state.DiffIds[i], ct => env.Content.OpenReadAsync(d, ct))).ToList();
        return await ImageUnpacker.UnpackAsync(env.Snapshotter, layers, cancellationToken).ConfigureAwait(false);
    }
}
