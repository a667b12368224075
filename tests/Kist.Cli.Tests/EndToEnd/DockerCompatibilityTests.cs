using System.IO.Compression;
using System.Text.Json;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>Kist's archives and store against the real docker engine and skopeo.</summary>
[Trait("Category", "Integration")]
public sealed class DockerCompatibilityTests : IAsyncLifetime
{
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _scratch = new("kist-scratch");
    private readonly string _name = "kist-test-" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> _dockerImages = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Docker.RemoveImagesAsync([.. _dockerImages]);
        _root.Dispose();
        _scratch.Dispose();
    }

    /// <summary>A docker image name of this test, removed afterwards (with its tag: a bare name would only remove :latest).</summary>
    private string DockerImage(string suffix, string tag = "latest")
    {
        string name = $"{_name}-{suffix}:{tag}";
        _dockerImages.Add(name);
        return name;
    }

    [Fact]
    public async Task Rm_force_of_a_missing_container_says_so_and_succeeds_as_docker()
    {
        string missing = _name + "-missing";
        var docker = await Docker.RunAsync("rm", "-f", missing);
        var kist = await KistAsync(_root.Path, "rm", "-f", missing);
        Assert.Equal((0, ""), (docker.ExitCode, docker.Stdout));
        Assert.Equal((docker.ExitCode, docker.Stdout), (kist.ExitCode, kist.Stdout));
        Assert.Contains("No such container: " + missing, docker.Stderr);
        Assert.Contains("No such container: " + missing, kist.Stderr);
        Assert.Equal(1, (await KistAsync(_root.Path, "rm", missing)).ExitCode); // without -f it fails, as docker's
    }

    [Fact]
    public async Task Kist_save_is_loadable_by_docker_and_runs()
    {
        string tar = _scratch.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        string image = DockerImage("saved", "1");
        (await KistAsync(_root.Path, "import", "--change", "CMD [\"echo\", \"hello from kist\"]", tar, image)).ShouldSucceed();
        string archive = _scratch.File("image.tar");
        (await KistAsync(_root.Path, "save", "-o", archive, image)).ShouldSucceed();

        var load = (await Docker.RunAsync("load", "-i", archive)).ShouldSucceed();
        Assert.Contains($"Loaded image: {image}", load.Stdout);
        var run = (await Docker.RunAsync("run", "--rm", image)).ShouldSucceed();
        Assert.Equal("hello from kist", run.Stdout.Trim());
        var kistId = (await KistAsync(_root.Path, "inspect", "-f", "{{.Id}}", image)).ShouldSucceed().Stdout.Trim();
        var dockerId = (await Docker.RunAsync("inspect", "-f", "{{.Id}}", image)).ShouldSucceed().Stdout.Trim();
        Assert.Equal(kistId, dockerId);
    }

    [Fact]
    public async Task A_built_layer_of_random_data_is_a_plain_tar_that_docker_loads_and_runs()
    {
        string tar = _scratch.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        (await KistAsync(_root.Path, "import", tar, "plain-base:1")).ShouldSucceed();
        string context = Directory.CreateDirectory(_scratch.File("plain-context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM plain-base:1
            RUN head -c 3000000 /dev/urandom > /random.bin && sha256sum /random.bin > /random.sum
            RUN echo text > /small.txt
            CMD ["sh", "-c", "sha256sum -c /random.sum"]
            """);
        string image = DockerImage("plain", "1");
        (await KistAsync(_root.Path, "build", "-q", "-t", image, context)).ShouldSucceed();

        var raw = (await KistProcess.ToolAsync("skopeo", "inspect", "--raw", $"oci:{_root.Path}:docker.io/library/{image}")).ShouldSucceed();
        using (var manifest = JsonDocument.Parse(raw.Stdout))
        {
            var types = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("mediaType").GetString()!).ToArray();
            // The imported base stays the plain tar it was given; random data gains nothing from gzip; a text file does.
            Assert.Equal(["application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip"], types);
        }
        Assert.Contains("/random.bin: OK", (await KistAsync(_root.Path, "run", "--rm", "--network", "none", image)).ShouldSucceed().Stdout);

        string archive = _scratch.File("plain.tar");
        (await KistAsync(_root.Path, "save", "-o", archive, image)).ShouldSucceed();
        (await Docker.RunAsync("load", "-i", archive)).ShouldSucceed();
        Assert.Contains("/random.bin: OK", (await Docker.RunAsync("run", "--rm", image)).ShouldSucceed().Stdout);
    }

    [Fact]
    public async Task Docker_save_loads_into_kist_with_the_same_id_and_layers()
    {
        // A three-layer image built by docker: a base, an added file, a deletion with a hardlink and a symlink.
        string baseImage = DockerImage("base");
        string tar = _scratch.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        (await Docker.RunAsync("import", tar, baseImage)).ShouldSucceed();
        string context = Directory.CreateDirectory(_scratch.File("context")).FullName;
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"""
            FROM {baseImage}
            RUN echo one > /one && ln /one /one-link && ln -s /one /one-symlink
            RUN rm /one-link && echo two > /two
            ENV GREETING=hello
            CMD ["cat", "/two"]
            """);
        string built = DockerImage("built", "v1");
        (await Docker.BuildAsync(built, context)).ShouldSucceed();
        string archive = _scratch.File("docker-saved.tar");
        (await Docker.RunAsync("save", "-o", archive, built)).ShouldSucceed();

        var load = (await KistAsync(_root.Path, "load", "-i", archive)).ShouldSucceed();
        Assert.Equal([$"Loaded image: {built}"], load.Lines);
        using var docker = JsonDocument.Parse((await Docker.RunAsync("inspect", built)).ShouldSucceed().Stdout);
        using var kist = JsonDocument.Parse((await KistAsync(_root.Path, "inspect", built)).ShouldSucceed().Stdout);
        var d = docker.RootElement[0];
        var k = kist.RootElement[0];
        Assert.Equal(d.GetProperty("Id").GetString(), k.GetProperty("Id").GetString());
        Assert.Equal(Layers(d), Layers(k));
        Assert.Equal(3, Layers(k).Count);
        Assert.Equal(d.GetProperty("Config").GetProperty("Env").GetRawText(), k.GetProperty("Config").GetProperty("Env").GetRawText());

        // A gzip-compressed docker save loads too.
        string gzipped = _scratch.File("docker-saved.tar.gz");
        await using (var source = File.OpenRead(archive))
        await using (var target = new GZipStream(File.Create(gzipped), CompressionLevel.Fastest))
        {
            await source.CopyToAsync(target);
        }
        using var other = new TestRoot("kist-root-gz");
        (await KistAsync(other.Path, "load", "-i", gzipped)).ShouldSucceed();
        Assert.Equal(k.GetProperty("Id").GetString(), (await KistAsync(other.Path, "inspect", "-f", "{{.Id}}", built)).ShouldSucceed().Stdout.Trim());
        (await KistAsync(other.Path, "system", "check")).ShouldSucceed();
    }

    [Fact]
    public async Task Skopeo_reads_the_store_as_an_oci_layout_and_its_archives_load_back()
    {
        string tar = _scratch.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        string image = DockerImage("skopeo", "2");
        string id = (await KistAsync(_root.Path, "import", "--change", "CMD [\"echo\", \"via skopeo\"]", tar, image)).ShouldSucceed().Stdout.Trim();
        string fullName = $"docker.io/library/{image}";

        var inspect = (await KistProcess.ToolAsync("skopeo", "inspect", $"oci:{_root.Path}:{fullName}")).ShouldSucceed();
        using (var doc = JsonDocument.Parse(inspect.Stdout))
        {
            Assert.Single(doc.RootElement.GetProperty("Layers").EnumerateArray());
        }

        string dockerArchive = _scratch.File("skopeo-docker.tar");
        (await KistProcess.ToolAsync("skopeo", "copy", $"oci:{_root.Path}:{fullName}", $"docker-archive:{dockerArchive}:{image}")).ShouldSucceed();
        (await Docker.RunAsync("load", "-i", dockerArchive)).ShouldSucceed();
        Assert.Equal("via skopeo", (await Docker.RunAsync("run", "--rm", image)).ShouldSucceed().Stdout.Trim());

        string ociArchive = _scratch.File("skopeo-oci.tar");
        (await KistProcess.ToolAsync("skopeo", "copy", $"oci:{_root.Path}:{fullName}", $"oci-archive:{ociArchive}:{fullName}")).ShouldSucceed();
        foreach (var archive in new[] { dockerArchive, ociArchive })
        {
            using var other = new TestRoot("kist-root-skopeo");
            (await KistAsync(other.Path, "load", "-i", archive)).ShouldSucceed();
            Assert.Equal(id, (await KistAsync(other.Path, "inspect", "-f", "{{.Id}}", image)).ShouldSucceed().Stdout.Trim());
        }
    }

    private static List<string?> Layers(JsonElement image) =>
        image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(l => l.GetString()).ToList();
}
