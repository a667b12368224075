using System.Text.Json;
using Kist.Oci;
using Kist.Runtime.Volumes;

namespace Kist.Engine.Volumes;

/// <summary>What <c>volume prune</c> removed.</summary>
public sealed record VolumePruneResult(IReadOnlyList<string> Deleted, long ReclaimedBytes);

/// <summary><c>docker volume</c> over one root's store: create, list with filters, inspect, rm and prune, with in-use checks.</summary>
public sealed class VolumeService(IVolumeStore store, IVolumeUsage usage)
{
    public const string Driver = "local";

    public IVolumeStore Store { get; } = store;
    public IVolumeUsage Usage { get; } = usage;

    /// <summary>The volumes of <paramref name="engine"/>'s root (<c>ROOT/volumes</c>).</summary>
    public static VolumeService For(KistEngine engine, IVolumeUsage? usage = null) =>
        new(LocalVolumeStore.ForRoot(engine.Layout.Root), usage ?? NoVolumeUsage.Instance);

    public ValueTask<Volume> CreateAsync(string? name, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default) =>
        Store.CreateAsync(name, labels, cancellationToken);

    public async Task<Volume> GetAsync(string name, CancellationToken cancellationToken = default) =>
        await Store.GetAsync(name, cancellationToken) ?? throw new NotFoundException($"get {name}: no such volume");

    /// <summary>Every volume that passes the filters (docker's <c>dangling</c>, <c>name</c>, <c>label</c>, <c>driver</c>), by name.</summary>
    public async Task<IReadOnlyList<Volume>> ListAsync(IReadOnlyList<string>? filters = null, CancellationToken cancellationToken = default)
    {
        var filter = VolumeFilter.Parse(filters ?? []);
        var result = new List<Volume>();
        await foreach (var volume in Store.ListAsync(cancellationToken))
        {
            if (filter.Matches(volume, Usage)) result.Add(volume);
        }
        return result;
    }

    /// <summary>
    /// Removes one volume. A volume in use is refused whatever <paramref name="force"/> says (as docker); a missing one is
    /// an error unless forced.
    /// </summary>
    public async Task RemoveAsync(string name, bool force, CancellationToken cancellationToken = default)
    {
        var volume = await Store.GetAsync(name, cancellationToken);
        if (volume is null)
        {
            if (force) return;
            throw new NotFoundException($"get {name}: no such volume");
        }
        var users = Usage.ContainersUsing(volume.Name);
        if (users.Count > 0) throw new ConflictException($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
        if (!await Store.RemoveAsync(volume.Name, cancellationToken) && !force) throw new NotFoundException($"get {name}: no such volume");
    }

    /// <summary><c>system df</c>'s local volumes: in use when a container mounts them; reclaimable when none does.</summary>
    public async Task<DiskUsageRow> DiskUsageAsync(CancellationToken cancellationToken = default)
    {
        int total = 0, active = 0;
        long size = 0, reclaimable = 0;
        await foreach (var volume in Store.ListAsync(cancellationToken))
        {
            total++;
            long bytes = LocalVolumeStore.SizeOf(volume);
            size += bytes;
            if (Usage.ContainersUsing(volume.Name).Count > 0) active++;
            else reclaimable += bytes;
        }
        return new DiskUsageRow(total, active, size, reclaimable);
    }

    /// <summary>Removes unused volumes: anonymous ones only, or every unused one with <paramref name="all"/> (docker 23+).</summary>
    public async Task<VolumePruneResult> PruneAsync(bool all, IReadOnlyList<string>? filters = null, CancellationToken cancellationToken = default)
    {
        var filter = VolumeFilter.Parse(filters ?? [], pruning: true);
        var deleted = new List<string>();
        long reclaimed = 0;
        await foreach (var volume in Store.ListAsync(cancellationToken))
        {
            if (!all && !volume.Anonymous) continue;
            if (!filter.Matches(volume, Usage) || Usage.ContainersUsing(volume.Name).Count > 0) continue;
            long size = LocalVolumeStore.SizeOf(volume);
            if (await Store.RemoveAsync(volume.Name, cancellationToken))
            {
                deleted.Add(volume.Name);
                reclaimed += size;
            }
        }
        return new VolumePruneResult(deleted, reclaimed);
    }

    /// <summary>docker's <c>volume inspect</c> JSON array.</summary>
    public static byte[] ToJson(IEnumerable<Volume> volumes)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, OciDocuments.WriterOptions with { Indented = true, IndentSize = 4 }))
        {
            writer.WriteStartArray();
            foreach (var volume in volumes)
            {
                writer.WriteStartObject();
                writer.WriteString("CreatedAt", FormatTime(volume.CreatedAt));
                writer.WriteString("Driver", Driver);
                if (volume.Labels.Count == 0) writer.WriteNull("Labels");
                else
                {
                    writer.WriteStartObject("Labels");
                    foreach (var (key, value) in volume.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) writer.WriteString(key, value);
                    writer.WriteEndObject();
                }
                writer.WriteString("Mountpoint", volume.Mountpoint);
                writer.WriteString("Name", volume.Name);
                writer.WriteNull("Options");
                writer.WriteString("Scope", "local");
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    /// <summary>RFC 3339 to the second, as the local driver reports it.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
