using System.Text.Json;
using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Integration;

/// <summary><c>skopeo copy</c> into and out of the registry, anonymous, with basic auth and with token auth.</summary>
[Trait("Category", "Integration")]
public sealed class SkopeoTests
{
    /// <summary>An OCI layout with a small image, written by skopeo itself from a docker-archive made here.</summary>
    private static async Task<string> MakeOciLayoutAsync(TempDir dir)
    {
        var tar = await Tools.BusyboxRootfsTarAsync(dir);
        // A docker-archive built by hand: one layer, a config, manifest.json.
        var archive = dir.Combine("archive");
        Directory.CreateDirectory(archive);
        var layerBytes = await File.ReadAllBytesAsync(tar);
        var diffId = Kist.Oci.Digest.Compute(layerBytes);
        await File.WriteAllBytesAsync(Path.Combine(archive, "layer.tar"), layerBytes);
        var config = $"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Cmd\":[\"/bin/sh\"]}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{diffId}\"]}}}}";
        var configDigest = Kist.Oci.Digest.Compute(System.Text.Encoding.UTF8.GetBytes(config));
        await File.WriteAllTextAsync(Path.Combine(archive, configDigest.Encoded + ".json"), config);
        await File.WriteAllTextAsync(Path.Combine(archive, "manifest.json"), $"[{{\"Config\":\"{configDigest.Encoded}.json\",\"RepoTags\":[\"x/y:z\"],\"Layers\":[\"layer.tar\"]}}]");
        var archiveTar = dir.Combine("image.tar");
        await Tools.RunOkAsync("tar", ["-C", archive, "-cf", archiveTar, "."]);
        var layout = dir.Combine("layout");
        await Tools.RunOkAsync("skopeo", ["copy", "--quiet", $"docker-archive:{archiveTar}", $"oci:{layout}:v1"]);
        return layout;
    }

    private static string[] Creds(string flag, AuthMode mode) => mode == AuthMode.None ? [] : [flag, $"alice:{AuthSetup.AlicePassword}"];

    private static async Task CopyBothWays(AuthMode mode)
    {
        using var dir = new TempDir();
        await using var registry = await TestRegistry.StartAsync((o, d) => { if (mode != AuthMode.None) AuthSetup.Configure(o, d, mode); });
        var layout = await MakeOciLayoutAsync(dir);
        string reg = registry.Host.HostPort;

        await Tools.RunOkAsync("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", .. Creds("--dest-creds", mode), $"oci:{layout}:v1", $"docker://{reg}/skopeo/image:v1"]);
        var inspect = await Tools.RunOkAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", .. Creds("--creds", mode), $"docker://{reg}/skopeo/image:v1"]);
        var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json")));
        var pushedDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        Assert.Equal(pushedDigest, Kist.Oci.Digest.Compute(System.Text.Encoding.UTF8.GetBytes(inspect.Stdout)).ToString());

        var back = dir.Combine("back");
        await Tools.RunOkAsync("skopeo", ["copy", "--quiet", "--src-tls-verify=false", .. Creds("--src-creds", mode), $"docker://{reg}/skopeo/image:v1", $"oci:{back}:v1"]);
        var backIndex = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(back, "index.json")));
        Assert.Equal(pushedDigest, backIndex.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString());
        foreach (var blob in Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")))
            Assert.Equal(await File.ReadAllBytesAsync(blob), await File.ReadAllBytesAsync(Path.Combine(back, "blobs", "sha256", Path.GetFileName(blob))));

        // Registry to registry (a cross-repository mount when the source is in the same registry).
        await Tools.RunOkAsync("skopeo", ["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", .. Creds("--src-creds", mode), .. Creds("--dest-creds", mode),
            $"docker://{reg}/skopeo/image:v1", $"docker://{reg}/skopeo/copy:v2"]);
        var tags = await Tools.RunOkAsync("skopeo", ["list-tags", "--tls-verify=false", .. Creds("--creds", mode), $"docker://{reg}/skopeo/copy"]);
        Assert.Contains("\"v2\"", tags.Stdout);

        if (mode != AuthMode.None)
        {
            var denied = await Tools.RunAsync("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", $"bob:{AuthSetup.BobPassword}", $"oci:{layout}:v1", $"docker://{reg}/skopeo/bob:v1"]);
            Assert.NotEqual(0, denied.ExitCode);
            Assert.Contains("denied", denied.Output, StringComparison.OrdinalIgnoreCase);
            var anonymous = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", "--no-creds", $"docker://{reg}/skopeo/image:v1"]);
            Assert.NotEqual(0, anonymous.ExitCode);
            var bobPull = await Tools.RunOkAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", "--creds", $"bob:{AuthSetup.BobPassword}", $"docker://{reg}/skopeo/image:v1"]);
            Assert.Equal(inspect.Stdout, bobPull.Stdout);
        }
    }

    [Fact]
    public Task Skopeo_copy_both_ways_without_auth() => CopyBothWays(AuthMode.None);

    [Fact]
    public Task Skopeo_copy_both_ways_with_basic_auth() => CopyBothWays(AuthMode.Basic);

    [Fact]
    public Task Skopeo_copy_both_ways_with_token_auth() => CopyBothWays(AuthMode.Token);
}
