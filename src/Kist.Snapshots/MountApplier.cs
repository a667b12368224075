using Kist.Layers.Apply;
using Kist.Oci;

namespace Kist.Snapshots;

/// <summary>Applies a layer to an active snapshot through its mounts, without mounting: overlay layers go straight
/// into the upper directory (overlay whiteouts), bind snapshots are flattened into.</summary>
public static class MountApplier
{
    public static Task<LayerApplyResult> ApplyAsync(IReadOnlyList<Mount> mounts, Stream layer, Digest? expectedDiffId = null,
        CancellationToken cancellationToken = default)
    {
        if (mounts.Count != 1) throw new InvalidInputException("cannot apply a layer to more than one mount");
        var m = mounts[0];
        if (m.Options.Contains("ro")) throw new InvalidInputException("cannot apply a layer to a read-only snapshot");
        if (m.Type == "bind")
            return LayerApplier.ApplyAsync(layer, m.Source, new LayerApplyOptions { ExpectedDiffId = expectedDiffId }, cancellationToken);
        var upper = m.Option("upperdir") ?? throw new InvalidInputException("overlay mount without an upper directory");
        return LayerApplier.ApplyAsync(layer, upper,
            new LayerApplyOptions { ExpectedDiffId = expectedDiffId, Whiteouts = WhiteoutFormat.Overlay }, cancellationToken);
    }
}
