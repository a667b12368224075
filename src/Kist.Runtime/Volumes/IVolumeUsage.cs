namespace Kist.Runtime.Volumes;

/// <summary>
/// Which containers mount a volume: the container service answers (it owns <c>ROOT/containers</c>); the volume
/// commands ask before <c>rm</c>, <c>prune</c> and the <c>dangling</c> filter.
/// </summary>
public interface IVolumeUsage
{
    /// <summary>IDs of the containers (in any state) that mount the volume; empty when none does.</summary>
    IReadOnlyList<string> ContainersUsing(string volumeName);
}

/// <summary>Until containers exist: no volume is in use.</summary>
public sealed class NoVolumeUsage : IVolumeUsage
{
    public static NoVolumeUsage Instance { get; } = new();

    public IReadOnlyList<string> ContainersUsing(string volumeName) => [];
}
