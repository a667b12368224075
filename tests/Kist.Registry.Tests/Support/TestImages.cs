using System.Text;
using Kist.Oci;

namespace Kist.Registry.Tests.Support;

/// <summary>Images put straight into a <see cref="FaultyRegistry"/>: random layers, a config, a manifest (and an index).</summary>
public static class TestImages
{
    public sealed record Pushed(Digest ManifestDigest, byte[] Manifest, IReadOnlyList<Descriptor> Layers, Descriptor Config);

    public static Pushed Add(FaultyRegistry registry, string repository, string tag, int layers = 2, int layerSize = 300_000,
        string manifestType = MediaTypes.DockerManifest, string arch = "amd64")
    {
        var layerDescriptors = new List<Descriptor>();
        var diffIds = new List<string>();
        for (int i = 0; i < layers; i++)
        {
            var bytes = FaultyRegistry.RandomBytes(layerSize + i);
            var digest = registry.AddBlob(bytes);
            layerDescriptors.Add(new Descriptor { MediaType = MediaTypes.DockerLayerGzip, Digest = digest, Size = bytes.Length });
            diffIds.Add($"\"{digest}\"");
        }
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"{arch}\",\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{string.Join(',', diffIds)}]}},\"config\":{{}}}}");
        var configDescriptor = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = registry.AddBlob(config), Size = config.Length };
        var manifest = new ImageManifest { MediaType = manifestType, Config = configDescriptor, Layers = layerDescriptors };
        var manifestBytes = OciDocuments.Serialize(manifest, OciJsonContext.Default.ImageManifest);
        var manifestDigest = registry.AddManifest(repository, tag, manifestBytes, manifestType);
        return new Pushed(manifestDigest, manifestBytes, layerDescriptors, configDescriptor);
    }

    public static (Digest Digest, byte[] Bytes) AddIndex(FaultyRegistry registry, string repository, string tag, params (Pushed Image, string Arch)[] images)
    {
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = images.Select(i => new Descriptor
            {
                MediaType = MediaTypes.DockerManifest, Digest = i.Image.ManifestDigest, Size = i.Image.Manifest.Length,
                Platform = new Platform { Os = "linux", Architecture = i.Arch },
            }).ToList(),
        };
        var bytes = OciDocuments.Serialize(index, OciJsonContext.Default.ImageIndex);
        return (registry.AddManifest(repository, tag, bytes, MediaTypes.OciIndex), bytes);
    }
}
