using System.Text.Json;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>The image commands end to end, through the real binary, on a private root.</summary>
public sealed class ImageLifecycleTests : IDisposable
{
    private readonly TestRoot _root = new("kist-root");
    private readonly TestRoot _scratch = new("kist-scratch");

    public void Dispose()
    {
        _root.Dispose();
        _scratch.Dispose();
    }

    private async Task<string> ImportBusyboxAsync(string reference, params string[] changes)
    {
        string tar = _scratch.File($"rootfs-{Guid.NewGuid():N}.tar");
        Rootfs.WriteBusyboxTar(tar);
        var args = new List<string> { "import" };
        foreach (var change in changes) args.AddRange(["--change", change]);
        args.AddRange([tar, reference]);
        var result = (await KistAsync(_root.Path, [.. args])).ShouldSucceed();
        string id = result.Stdout.Trim();
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        return id;
    }

    [Fact]
    public async Task Import_applies_changes_and_inspect_shows_them_in_dockers_shape()
    {
        string id = await ImportBusyboxAsync("test/app:1", "CMD [\"sh\"]", "ENV A=b C=d", "WORKDIR /srv", "USER 1000", "EXPOSE 80 53/udp", "LABEL team=kist");
        var inspect = (await KistAsync(_root.Path, "inspect", "test/app:1")).ShouldSucceed();
        using var doc = JsonDocument.Parse(inspect.Stdout);
        var image = doc.RootElement[0];
        Assert.Equal(id, image.GetProperty("Id").GetString());
        Assert.Equal("test/app:1", image.GetProperty("RepoTags")[0].GetString());
        var config = image.GetProperty("Config");
        Assert.Equal(["sh"], config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["A=b", "C=d"], config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("/srv", config.GetProperty("WorkingDir").GetString());
        Assert.Equal("1000", config.GetProperty("User").GetString());
        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("80/tcp", out _));
        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("53/udp", out _));
        Assert.Equal("kist", config.GetProperty("Labels").GetProperty("team").GetString());
        Assert.Equal("layers", image.GetProperty("RootFS").GetProperty("Type").GetString());
        Assert.Single(image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray());

        var formatted = (await KistAsync(_root.Path, "inspect", "--format", "{{.Id}} {{.Config.Cmd}} {{json .Config.Labels}} {{.Os}}", "test/app:1")).ShouldSucceed();
        Assert.Equal($"{id} [sh] {{\"team\":\"kist\"}} linux", formatted.Stdout.Trim());
    }

    [Fact]
    public async Task Images_lists_one_row_per_tag_and_rmi_untags_before_deleting()
    {
        string id = await ImportBusyboxAsync("first:1");
        (await KistAsync(_root.Path, "tag", "first:1", "localhost:5000/second")).ShouldSucceed();
        var table = (await KistAsync(_root.Path, "images")).ShouldSucceed();
        Assert.Matches(@"^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$", table.Lines[0]);
        Assert.Contains(table.Lines, l => l.StartsWith("first ") && l.Contains(" 1 ") && l.Contains(id[7..19]));
        Assert.Contains(table.Lines, l => l.StartsWith("localhost:5000/second ") && l.Contains(" latest "));

        var quiet = (await KistAsync(_root.Path, "images", "-q")).ShouldSucceed();
        Assert.Equal([id[7..19]], quiet.Lines);

        var untag = (await KistAsync(_root.Path, "rmi", "first:1")).ShouldSucceed();
        Assert.Equal(["Untagged: first:1"], untag.Lines);
        var delete = (await KistAsync(_root.Path, "rmi", "localhost:5000/second")).ShouldSucceed();
        Assert.Equal(["Untagged: localhost:5000/second:latest", $"Deleted: {id}"], delete.Lines);
        Assert.Single((await KistAsync(_root.Path, "images")).ShouldSucceed().Lines);
        // Deleting the last name also removed the image's blobs.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root.Path, "blobs", "sha256")));
    }

    [Fact]
    public async Task Rmi_by_id_needs_force_when_names_span_repositories()
    {
        string id = await ImportBusyboxAsync("one:1");
        (await KistAsync(_root.Path, "tag", "one:1", "two:1")).ShouldSucceed();
        var refused = await KistAsync(_root.Path, "rmi", id[7..19]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("must be forced", refused.Stderr);
        var forced = (await KistAsync(_root.Path, "rmi", "-f", id[7..19])).ShouldSucceed();
        Assert.Contains($"Deleted: {id}", forced.Lines);
        var missing = await KistAsync(_root.Path, "rmi", "one:1");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error: No such image: one:1", missing.Stderr.Trim());
    }

    [Fact]
    public async Task Images_formats_and_filters_as_docker()
    {
        string id = await ImportBusyboxAsync("fmt/app:2", "LABEL stage=test");
        await ImportBusyboxAsync("other:1");
        var json = (await KistAsync(_root.Path, "images", "--format", "json", "fmt/app")).ShouldSucceed();
        using (var row = JsonDocument.Parse(json.Lines.Single()))
        {
            Assert.Equal("fmt/app", row.RootElement.GetProperty("Repository").GetString());
            Assert.Equal("2", row.RootElement.GetProperty("Tag").GetString());
            Assert.Equal(id[7..19], row.RootElement.GetProperty("ID").GetString());
        }
        var template = (await KistAsync(_root.Path, "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "label=stage=test")).ShouldSucceed();
        Assert.Equal(["fmt/app:2"], template.Lines);
        var reference = (await KistAsync(_root.Path, "images", "--filter", "reference=oth*", "--format", "{{.Repository}}")).ShouldSucceed();
        Assert.Equal(["other"], reference.Lines);
        var table = (await KistAsync(_root.Path, "images", "--format", "table {{.Repository}}\\t{{.Tag}}", "other")).ShouldSucceed();
        Assert.Matches(@"^REPOSITORY\s+TAG$", table.Lines[0]);
        Assert.Matches(@"^other\s+1$", table.Lines[1]);
    }

    [Fact]
    public async Task History_shows_the_import_and_prune_removes_dangling_images()
    {
        string first = await ImportBusyboxAsync("dangle:1");
        var history = (await KistAsync(_root.Path, "history", "dangle:1")).ShouldSucceed();
        Assert.Matches(@"^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$", history.Lines[0]);
        Assert.Contains("Imported from -", history.Lines[1]);
        Assert.StartsWith(first[7..19], history.Lines[1]);

        // Re-importing under the same name leaves the first image unnamed (dangling), as docker does.
        string second = await ImportBusyboxAsync("dangle:1");
        Assert.NotEqual(first, second);
        var dangling = (await KistAsync(_root.Path, "images", "-f", "dangling=true", "-q", "--no-trunc")).ShouldSucceed();
        Assert.Equal([first], dangling.Lines);
        var prune = (await KistAsync(_root.Path, "image", "prune", "-f")).ShouldSucceed();
        Assert.Equal("Deleted Images:", prune.Lines[0]);
        Assert.Equal($"deleted: {first}", prune.Lines[1]);
        Assert.StartsWith("Total reclaimed space: ", prune.Lines[^1]);
        Assert.Equal([second[7..19]], (await KistAsync(_root.Path, "images", "-q")).ShouldSucceed().Lines);
        var check = (await KistAsync(_root.Path, "system", "check")).ShouldSucceed();
        Assert.Contains("no problems found", check.Stdout);
    }

    [Fact]
    public async Task Save_and_load_round_trip_keeps_the_image_id_and_names()
    {
        string id = await ImportBusyboxAsync("round/trip:1");
        string archive = _scratch.File("saved.tar");
        (await KistAsync(_root.Path, "save", "-o", archive, "round/trip:1")).ShouldSucceed();
        using var other = new TestRoot("kist-root2");
        var load = (await KistAsync(other.Path, "load", "-i", archive)).ShouldSucceed();
        Assert.Equal(["Loaded image: round/trip:1"], load.Lines);
        var inspect = (await KistAsync(other.Path, "inspect", "-f", "{{.Id}}", "round/trip:1")).ShouldSucceed();
        Assert.Equal(id, inspect.Stdout.Trim());

        // A bare repository name saves every tag of that repository, an ID saves no name.
        (await KistAsync(_root.Path, "tag", "round/trip:1", "round/trip:2")).ShouldSucceed();
        string allTags = _scratch.File("all-tags.tar");
        (await KistAsync(_root.Path, "save", "-o", allTags, "round/trip")).ShouldSucceed();
        using (var tagsRoot = new TestRoot("kist-root-tags"))
        {
            var loaded = (await KistAsync(tagsRoot.Path, "load", "-i", allTags)).ShouldSucceed();
            Assert.Equal(["Loaded image: round/trip:1", "Loaded image: round/trip:2"], loaded.Lines.Order());
        }
        string byId = _scratch.File("by-id.tar");
        (await KistAsync(_root.Path, "save", "-o", byId, id[7..19])).ShouldSucceed();
        using (var idRoot = new TestRoot("kist-root-id"))
        {
            Assert.Equal([$"Loaded image ID: {id}"], (await KistAsync(idRoot.Path, "load", "-i", byId)).ShouldSucceed().Lines);
        }

        string oci = _scratch.File("saved-oci.tar");
        (await KistAsync(_root.Path, "save", "--format", "oci-archive", "-o", oci, "round/trip:1")).ShouldSucceed();
        using var third = new TestRoot("kist-root3");
        await using (var input = File.OpenRead(oci))
        {
            var fromStdin = (await KistWithInputAsync(third.Path, input, "load")).ShouldSucceed();
            Assert.Equal(["Loaded image: round/trip:1"], fromStdin.Lines);
        }
    }

    [Fact]
    public async Task Usage_errors_exit_125_and_missing_images_exit_1()
    {
        var unknownFlag = await KistAsync(_root.Path, "images", "--no-such-flag");
        Assert.Equal(125, unknownFlag.ExitCode);
        Assert.Contains("unknown flag: --no-such-flag", unknownFlag.Stderr);
        var unknownCommand = await KistAsync(_root.Path, "frobnicate");
        Assert.Equal(125, unknownCommand.ExitCode);
        var missing = await KistAsync(_root.Path, "inspect", "nothing-here");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No such object: nothing-here", missing.Stderr);
        var history = await KistAsync(_root.Path, "history", "nothing-here");
        Assert.Equal(1, history.ExitCode);
        Assert.Equal("Error: No such image: nothing-here:latest", history.Stderr.Trim());
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public async Task Import_reads_compressed_tarballs_from_standard_input(string compressor)
    {
        string tar = _scratch.File("rootfs.tar");
        Rootfs.WriteBusyboxTar(tar);
        (await ToolAsync(compressor, "-q", "-k", tar)).ShouldSucceed();
        string compressed = tar + (compressor == "gzip" ? ".gz" : ".zst");
        string plainId;
        await using (var input = File.OpenRead(tar))
        {
            plainId = (await KistWithInputAsync(_root.Path, input, "import", "-", "plain:1")).ShouldSucceed().Stdout.Trim();
        }
        await using (var input = File.OpenRead(compressed))
        {
            (await KistWithInputAsync(_root.Path, input, "import", "--platform", "linux/arm64", "-", "packed:1")).ShouldSucceed();
        }
        // The same files give the same diff ID whatever the compression; the layer is stored as it came.
        string plainLayers = (await KistAsync(_root.Path, "inspect", "-f", "{{json .RootFS.Layers}}", "plain:1")).ShouldSucceed().Stdout;
        string packedLayers = (await KistAsync(_root.Path, "inspect", "-f", "{{json .RootFS.Layers}}", "packed:1")).ShouldSucceed().Stdout;
        Assert.Equal(plainLayers, packedLayers);
        Assert.Equal("arm64", (await KistAsync(_root.Path, "inspect", "-f", "{{.Architecture}}", "packed:1")).ShouldSucceed().Stdout.Trim());
        Assert.Equal(new FileInfo(compressed).Length, long.Parse((await KistAsync(_root.Path, "inspect", "-f", "{{.Size}}", "packed:1")).ShouldSucceed().Stdout.Trim()));
        Assert.NotEqual(plainId, (await KistAsync(_root.Path, "inspect", "-f", "{{.Id}}", "packed:1")).ShouldSucceed().Stdout.Trim());
    }

    [Fact]
    public async Task System_df_counts_images_containers_volumes_and_build_cache()
    {
        await ImportBusyboxAsync("df:1");
        var df = (await KistAsync(_root.Path, "system", "df")).ShouldSucceed();
        Assert.Matches(@"^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$", df.Lines[0]);
        Assert.Matches(@"^Images\s+1\s+0\s+\S+\s+\S+ \(100%\)$", df.Lines[1]);
        Assert.Matches(@"^Containers\s+0\s+0\s+0B\s+0B$", df.Lines[2]);
        Assert.Matches(@"^Local Volumes\s+0\s+0\s+0B\s+0B$", df.Lines[3]);
        Assert.Matches(@"^Build Cache\s+0\s+0\s+0B\s+0B$", df.Lines[4]);

        // A stopped container with a 100 kB change and a 200 kB volume it mounts (so in use), and a build step's layer.
        (await KistAsync(_root.Path, "volume", "create", "df-data")).ShouldSucceed();
        (await KistAsync(_root.Path, "run", "--network", "none", "--name", "df-ctr", "-v", "df-data:/data", "df:1",
            "sh", "-c", "head -c 100000 /dev/zero > /rw.bin && head -c 200000 /dev/zero > /data/v.bin")).ShouldSucceed();
        string context = _scratch.File("df-context");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "Dockerfile"), "FROM df:1\nRUN head -c 300000 /dev/urandom > /built.bin\n");
        (await KistAsync(_root.Path, "build", "-q", "-t", "df-built:1", context)).ShouldSucceed();
        try
        {
            df = (await KistAsync(_root.Path, "system", "df")).ShouldSucceed();
            // df:1 is in use by df-ctr (its blobs are not reclaimable); df-built:1 is not, and only its own layer and documents are.
            var images = System.Text.RegularExpressions.Regex.Match(df.Lines[1], @"^Images\s+2\s+1\s+(\S+)\s+(\S+) \((\d+)%\)$");
            Assert.True(images.Success, df.Lines[1]);
            Assert.InRange(int.Parse(images.Groups[3].Value), 5, 95);
            Assert.Matches(@"^30\d(\.\d+)?kB$", images.Groups[2].Value);
            Assert.Matches(@"^Containers\s+1\s+0\s+10\d(\.\d+)?kB\s+10\d(\.\d+)?kB \(100%\)$", df.Lines[2]);
            Assert.Matches(@"^Local Volumes\s+1\s+1\s+20\d(\.\d+)?kB\s+0B \(0%\)$", df.Lines[3]);
            Assert.Matches(@"^Build Cache\s+[1-9]\d*\s+0\s+30\d(\.\d+)?kB\s+30\d(\.\d+)?kB$", df.Lines[4]);
        }
        finally
        {
            await KistAsync(_root.Path, "rm", "-f", "df-ctr");
        }
    }
}
