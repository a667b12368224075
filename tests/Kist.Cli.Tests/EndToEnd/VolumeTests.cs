using System.Text.Json;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary><c>kist volume</c> end to end, with docker's output shapes (checked against docker itself where it matters).</summary>
[Trait("Category", "Integration")]
public sealed class VolumeTests : IDisposable
{
    private readonly TestRoot _root = new("kist-root");
    private readonly string _dockerVolume = "kist-vol-test-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        Docker.RunAsync("volume", "rm", "-f", _dockerVolume).GetAwaiter().GetResult();
        _root.Dispose();
    }

    private Task<RunResult> Kist(params string[] args) => KistAsync(_root.Path, args);

    [Fact]
    public async Task Create_Ls_Inspect_Rm()
    {
        Assert.Equal("data\n", (await Kist("volume", "create", "data", "--label", "team=a", "--label", "flag")).ShouldSucceed().Stdout);
        var anonymous = (await Kist("volume", "create")).ShouldSucceed().Stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", anonymous);

        // Listed by name, as docker lists them: the random name may sort before or after "data".
        string[] byName = [.. new[] { anonymous, "data" }.Order(StringComparer.Ordinal)];
        var ls = (await Kist("volume", "ls")).ShouldSucceed().Lines;
        Assert.Equal("DRIVER    VOLUME NAME", ls[0]);
        Assert.Equal(byName.Select(n => $"local     {n}"), ls.Skip(1));
        Assert.Equal(byName, (await Kist("volume", "ls", "-q")).ShouldSucceed().Lines);
        Assert.Equal(["data flag=,team=a"], (await Kist("volume", "ls", "--format", "{{.Name}} {{.Labels}}", "-f", "label=team")).ShouldSucceed().Lines);
        Assert.Equal(["data"], (await Kist("volume", "ls", "-q", "-f", "name=dat")).ShouldSucceed().Lines);
        Assert.Equal(byName, (await Kist("volume", "ls", "-q", "-f", "dangling=true")).ShouldSucceed().Lines);
        Assert.Empty((await Kist("volume", "ls", "-q", "-f", "dangling=false")).ShouldSucceed().Lines);

        var inspect = (await Kist("volume", "inspect", "data")).ShouldSucceed().Stdout;
        using (var doc = JsonDocument.Parse(inspect))
        {
            var v = doc.RootElement[0];
            Assert.Equal(["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"], v.EnumerateObject().Select(p => p.Name));
            Assert.Equal("local", v.GetProperty("Driver").GetString());
            Assert.Equal("a", v.GetProperty("Labels").GetProperty("team").GetString());
            Assert.Equal("", v.GetProperty("Labels").GetProperty("flag").GetString());
            Assert.Equal(Path.Combine(_root.Path, "volumes", "data", "_data"), v.GetProperty("Mountpoint").GetString());
            Assert.True(Directory.Exists(v.GetProperty("Mountpoint").GetString()));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", v.GetProperty("CreatedAt").GetString());
            Assert.Equal(JsonValueKind.Null, v.GetProperty("Options").ValueKind);
            Assert.Equal("local", v.GetProperty("Scope").GetString());
        }
        Assert.Equal("data local\n", (await Kist("volume", "inspect", "-f", "{{.Name}} {{.Driver}}", "data")).ShouldSucceed().Stdout);

        Assert.Equal($"data\n{anonymous}\n", (await Kist("volume", "rm", "data", anonymous)).ShouldSucceed().Stdout);
        Assert.Empty((await Kist("volume", "ls", "-q")).ShouldSucceed().Lines);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root.Path, "volumes")));
    }

    [Fact]
    public async Task Errors_AsDocker()
    {
        var missing = await Kist("volume", "rm", "nothere");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error: get nothere: no such volume\n", missing.Stderr);
        var forced = (await Kist("volume", "rm", "-f", "nothere")).ShouldSucceed();
        Assert.Equal("nothere\n", forced.Stdout);

        var inspect = await Kist("volume", "inspect", "nothere");
        Assert.Equal(1, inspect.ExitCode);
        Assert.Contains("no such volume", inspect.Stderr);

        var shortName = await Kist("volume", "create", "a");
        Assert.Equal(1, shortName.ExitCode);
        Assert.Equal("Error: create a: volume name is too short, names should be at least two alphanumeric characters\n", shortName.Stderr);
        var badName = await Kist("volume", "create", "../etc");
        Assert.Equal(1, badName.ExitCode);
        Assert.Contains("includes invalid characters for a local volume name", badName.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_root.Path, "etc")));

        var badFilter = await Kist("volume", "ls", "-f", "color=red");
        Assert.Equal(1, badFilter.ExitCode);
        Assert.Contains("invalid filter 'color'", badFilter.Stderr);
        Assert.Equal(125, (await Kist("volume", "ls", "--bogus")).ExitCode);
    }

    [Fact]
    public async Task Prune_RemovesAnonymousOnly_UnlessAll()
    {
        (await Kist("volume", "create", "named")).ShouldSucceed();
        var anonymous = (await Kist("volume", "create")).ShouldSucceed().Stdout.Trim();
        var mountpoint = Path.Combine(_root.Path, "volumes", anonymous, "_data");
        await File.WriteAllBytesAsync(Path.Combine(mountpoint, "f"), new byte[2000]);

        var pruned = (await Kist("volume", "prune", "-f")).ShouldSucceed().Stdout;
        Assert.Equal($"Deleted Volumes:\n{anonymous}\n\nTotal reclaimed space: 2kB\n", pruned);
        Assert.Equal(["named"], (await Kist("volume", "ls", "-q")).ShouldSucceed().Lines);

        // Without -f and without a "y", nothing happens.
        var asked = await KistWithInputAsync(_root.Path, new MemoryStream("n\n"u8.ToArray()), "volume", "prune", "-a");
        asked.ShouldSucceed();
        Assert.Contains("WARNING! This will remove all local volumes not used by at least one container.", asked.Stdout);
        Assert.Equal(["named"], (await Kist("volume", "ls", "-q")).ShouldSucceed().Lines);

        Assert.Equal("Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n", (await Kist("volume", "prune", "-a", "-f")).ShouldSucceed().Stdout);
        Assert.Equal("Total reclaimed space: 0B\n", (await Kist("volume", "prune", "-f")).ShouldSucceed().Stdout);
    }

    [Fact]
    public async Task InspectAndLs_HaveDockersShape()
    {
        (await Docker.RunAsync("volume", "create", "--label", "k=v", _dockerVolume)).ShouldSucceed();
        (await Kist("volume", "create", "--label", "k=v", _dockerVolume)).ShouldSucceed();
        static IEnumerable<string> Keys(string json)
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement[0].EnumerateObject().Select(p => p.Name + ":" + p.Value.ValueKind).ToList();
        }
        Assert.Equal(Keys((await Docker.RunAsync("volume", "inspect", _dockerVolume)).ShouldSucceed().Stdout),
            Keys((await Kist("volume", "inspect", _dockerVolume)).ShouldSucceed().Stdout));
        string format = "{{.Driver}}|{{.Name}}|{{.Labels}}|{{.Scope}}";
        Assert.Equal((await Docker.RunAsync("volume", "ls", "-f", "name=" + _dockerVolume, "--format", format)).ShouldSucceed().Stdout,
            (await Kist("volume", "ls", "-f", "name=" + _dockerVolume, "--format", format)).ShouldSucceed().Stdout);
        var dockerTable = (await Docker.RunAsync("volume", "ls", "-f", "name=" + _dockerVolume)).ShouldSucceed().Stdout;
        Assert.Equal(dockerTable, (await Kist("volume", "ls", "-f", "name=" + _dockerVolume)).ShouldSucceed().Stdout);
    }
}
