namespace Kist.Runtime.Volumes;

/// <summary>A named volume: a directory under the root that outlives containers (<c>docker volume</c>).</summary>
public sealed record Volume(string Name, string Mountpoint, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, string> Labels, bool Anonymous);

public interface IVolumeStore
{
    /// <summary>Creates the volume (a random 64-hex name when <paramref name="name"/> is null); returns the existing one if present.</summary>
    ValueTask<Volume> CreateAsync(string? name, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default);
    ValueTask<Volume?> GetAsync(string name, CancellationToken cancellationToken = default);
    IAsyncEnumerable<Volume> ListAsync(CancellationToken cancellationToken = default);
    /// <summary>Removes the volume; the caller has checked that no container uses it.</summary>
    ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken = default);
}
