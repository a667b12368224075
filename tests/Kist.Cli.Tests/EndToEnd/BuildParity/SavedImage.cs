using System.Text.Json;
using Kist.Layers.Apply;

namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// An image read back from a docker-archive (<c>docker save</c> or <c>kist save</c>): its config document and its
/// final root filesystem, flattened by applying the layers in order (whiteouts and opaque directories honoured).
/// </summary>
public sealed class SavedImage
{
    private SavedImage(JsonElement config, string rootfs)
    {
        Config = config;
        Rootfs = rootfs;
    }

    /// <summary>The whole image config (<c>config</c>, <c>history</c>, <c>rootfs</c>…).</summary>
    public JsonElement Config { get; }
    public string Rootfs { get; }

    /// <summary>Extracts <paramref name="archive"/> into <paramref name="work"/> and flattens its single image into work/rootfs.</summary>
    public static async Task<SavedImage> FlattenAsync(string archive, string work)
    {
        string extracted = Path.Combine(work, "archive");
        Directory.CreateDirectory(extracted);
        var untar = await KistProcess.RunAsync("tar", ["-xf", archive, "-C", extracted]);
        if (untar.ExitCode != 0) throw new InvalidOperationException($"cannot extract {archive}: {untar.Stderr}");
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(extracted, "manifest.json")));
        var entry = manifest.RootElement.EnumerateArray().Single();
        JsonElement config;
        using (var configDocument = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(extracted, entry.GetProperty("Config").GetString()!))))
            config = configDocument.RootElement.Clone();
        string rootfs = Path.Combine(work, "rootfs");
        Directory.CreateDirectory(rootfs);
        foreach (var layer in entry.GetProperty("Layers").EnumerateArray())
        {
            await using var stream = File.OpenRead(Path.Combine(extracted, layer.GetString()!));
            await LayerApplier.ApplyAsync(stream, rootfs, new LayerApplyOptions { PreserveOwnership = true });
        }
        Directory.Delete(extracted, recursive: true);
        return new SavedImage(config, rootfs);
    }
}
