using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kist.Oci;

namespace Kist.Runtime.Volumes;

/// <summary>
/// docker's <c>local</c> driver: <c>DIR/NAME/_data</c> is the volume, <c>DIR/NAME/volume.json</c> its metadata. A volume
/// appears by one rename of a complete temporary directory and disappears by one rename out of the way, so other
/// processes never see half a volume and two creates of one name agree on the winner.
/// </summary>
public sealed class LocalVolumeStore : IVolumeStore
{
    public const string DataDirectoryName = "_data";
    public const string MetadataFileName = "volume.json";

    public LocalVolumeStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The store of a Kist root: <c>ROOT/volumes</c>.</summary>
    public static LocalVolumeStore ForRoot(string root) => new(Path.Combine(root, "volumes"));

    public string Directory { get; }

    public ValueTask<Volume> CreateAsync(string? name, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default)
    {
        bool anonymous = name is null;
        name ??= VolumeNames.NewAnonymous();
        VolumeNames.Validate(name);
        if (Read(name) is { } existing) return ValueTask.FromResult(existing);

        System.IO.Directory.CreateDirectory(Directory);
        string temp = Path.Combine(Directory, ".tmp-" + VolumeNames.NewAnonymous()[..16]);
        System.IO.Directory.CreateDirectory(Path.Combine(temp, DataDirectoryName));
        var metadata = new VolumeMetadata(DateTimeOffset.UtcNow, labels is { Count: > 0 } ? new Dictionary<string, string>(labels) : null, anonymous);
        File.WriteAllBytes(Path.Combine(temp, MetadataFileName), JsonSerializer.SerializeToUtf8Bytes(metadata, VolumeJsonContext.Default.VolumeMetadata));
        try
        {
            System.IO.Directory.Move(temp, Path.Combine(Directory, name));
        }
        catch (IOException) when (System.IO.Directory.Exists(Path.Combine(Directory, name)))
        {
            // Another process created it first: theirs is the volume.
            System.IO.Directory.Delete(temp, recursive: true);
            return ValueTask.FromResult(Read(name) ?? throw new ConflictException($"create {name}: volume is being removed"));
        }
        return ValueTask.FromResult(ToVolume(name, metadata));
    }

    public ValueTask<Volume?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(VolumeNames.IsValid(name) ? Read(name) : null);

    public async IAsyncEnumerable<Volume> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        if (!System.IO.Directory.Exists(Directory)) yield break;
        foreach (string path in System.IO.Directory.EnumerateDirectories(Directory).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = Path.GetFileName(path);
            if (VolumeNames.IsValid(name) && Read(name) is { } volume) yield return volume;
        }
    }

    public ValueTask<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!VolumeNames.IsValid(name)) return ValueTask.FromResult(false);
        string path = Path.Combine(Directory, name);
        string trash = Path.Combine(Directory, ".trash-" + VolumeNames.NewAnonymous()[..16]);
        try
        {
            System.IO.Directory.Move(path, trash);
        }
        catch (DirectoryNotFoundException)
        {
            return ValueTask.FromResult(false);
        }
        System.IO.Directory.Delete(trash, recursive: true);
        return ValueTask.FromResult(true);
    }

    /// <summary>Bytes under the volume's data (hard links once), for prune's "reclaimed space".</summary>
    public static long SizeOf(Volume volume)
    {
        long total = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        try
        {
            foreach (var file in new DirectoryInfo(volume.Mountpoint).EnumerateFiles("*", options))
            {
                if (!file.Attributes.HasFlag(FileAttributes.ReparsePoint)) total += file.Length;
            }
        }
        catch (DirectoryNotFoundException) { }
        return total;
    }

    private Volume? Read(string name)
    {
        string path = Path.Combine(Directory, name);
        VolumeMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(path, MetadataFileName)), VolumeJsonContext.Default.VolumeMetadata);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (JsonException) { return null; }
        return metadata is null ? null : ToVolume(name, metadata);
    }

    private Volume ToVolume(string name, VolumeMetadata metadata) =>
        new(name, Path.Combine(Directory, name, DataDirectoryName), metadata.CreatedAt,
            metadata.Labels ?? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(), metadata.Anonymous);
}

internal sealed record VolumeMetadata(DateTimeOffset CreatedAt, Dictionary<string, string>? Labels, bool Anonymous);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VolumeMetadata))]
internal sealed partial class VolumeJsonContext : JsonSerializerContext;
