using System.Diagnostics;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// Detached containers end to end: run -d, logs -f, stop, start again with the read-write layer kept, rm removing
/// the snapshot; ps right after the starting process exited and after the monitor was killed; signals and wait.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ContainerLifecycleTests(ContainerImages images) : IClassFixture<ContainerImages>
{
    private string Root => images.Root.Path;

    private const string Loop = "trap 'echo got-term; exit 7' TERM; i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done";

    [Fact]
    public async Task Ps_filters_as_docker_values_of_one_key_are_alternatives_and_names_are_patterns()
    {
        string p = "psf" + Guid.NewGuid().ToString("N")[..8];
        string[] all = [$"{p}-c1", $"{p}-c12", $"{p}-lb1", $"{p}-lb2"];
        foreach (var name in all) (await KistAsync(Root, "create", "--network", "none", "--name", name, images.Plain, "true")).ShouldSucceed();
        try
        {
            async Task<string[]> Names(params string[] filters) =>
                [.. (await KistAsync(Root, ["ps", "-a", "--format", "{{.Names}}", .. filters.SelectMany(f => new[] { "--filter", f })]))
                    .ShouldSucceed().Lines.Order(StringComparer.Ordinal)];
            Assert.Equal([$"{p}-lb1", $"{p}-lb2"], await Names($"name={p}-lb1", $"name={p}-lb2"));
            Assert.Equal([$"{p}-c1"], await Names($"name=^{p}-c1$"));
            Assert.Equal([$"{p}-c1"], await Names($"name=^/{p}-c1$"));
            Assert.Equal([$"{p}-c1", $"{p}-c12"], await Names($"name={p}-c[12]"));
            Assert.Equal([$"{p}-lb1", $"{p}-lb2"], await Names("status=created", $"name={p}-lb")); // different keys: all
            Assert.Empty(await Names("status=running", $"name={p}-lb"));
            var bad = await KistAsync(Root, "ps", "--filter", "status=bogus");
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("Invalid filter 'status=bogus'", bad.Stderr);
        }
        finally { await KistAsync(Root, ["rm", "-f", .. all]); }
    }

    [Fact]
    public async Task Detached_container_lives_on_stops_restarts_with_its_layer_and_is_removed()
    {
        string name = "life-" + Guid.NewGuid().ToString("N")[..8];
        string snapshots = Path.Combine(Root, "snapshots", "overlay", "snapshots");
        // The image's snapshots and its init layer are made by the first run and kept, as an image's are.
        (await KistAsync(Root, "run", "--rm", "--network", "none", images.Plain, "true")).ShouldSucceed();
        int before = Directory.GetDirectories(snapshots).Length;
        var run = (await KistAsync(Root, "run", "-d", "--network", "none", "--name", name, images.Plain, "sh", "-c", "echo run >> /state; echo runs=$(wc -l < /state); " + Loop)).ShouldSucceed();
        string id = run.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);

        // The starting process is gone; the monitor keeps the container running.
        var ps = (await KistAsync(Root, "ps")).ShouldSucceed();
        Assert.Contains(name, ps.Stdout);
        Assert.Contains("Up ", ps.Stdout);
        Assert.Equal("running", (await KistAsync(Root, "inspect", "-f", "{{.State.Status}}", name)).ShouldSucceed().Stdout.Trim());

        // logs -f follows new lines and ends when the container stops.
        var follow = KistAsync(Root, "logs", "-f", name);
        await Task.Delay(700);
        var stopped = Stopwatch.StartNew();
        (await KistAsync(Root, "stop", name)).ShouldSucceed();
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5), "the container handles SIGTERM: no need to wait for the timeout");
        var logs = (await follow.WaitAsync(TimeSpan.FromSeconds(20))).ShouldSucceed();
        Assert.Contains("line0\nline1\n", logs.Stdout);
        Assert.EndsWith("got-term\n", logs.Stdout);
        Assert.Contains("Exited (7)", (await KistAsync(Root, "ps", "-a", "--filter", "name=" + name)).ShouldSucceed().Stdout);
        Assert.Equal("7", (await KistAsync(Root, "wait", name)).ShouldSucceed().Stdout.Trim());

        // start again: the read-write layer is the same one.
        (await KistAsync(Root, "start", name)).ShouldSucceed();
        Assert.Contains("running", (await KistAsync(Root, "inspect", "-f", "{{.State.Status}}", name)).Stdout);
        for (int i = 0; i < 50 && !(await KistAsync(Root, "logs", name)).Stdout.Contains("runs=2"); i++) await Task.Delay(100);
        Assert.Contains("runs=1\n", (await KistAsync(Root, "logs", name)).Stdout);
        Assert.Contains("runs=2\n", (await KistAsync(Root, "logs", name)).Stdout);
        (await KistAsync(Root, "kill", "-s", "KILL", name)).ShouldSucceed();
        Assert.Equal("137", (await KistAsync(Root, "wait", name)).ShouldSucceed().Stdout.Trim());

        Assert.Equal(1, (await KistAsync(Root, "rm", "nonexistent-" + name)).ExitCode);
        (await KistAsync(Root, "rm", name)).ShouldSucceed();
        Assert.Equal(before, Directory.GetDirectories(snapshots).Length);
        Assert.DoesNotContain(name, (await KistAsync(Root, "ps", "-a")).Stdout);
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Fact]
    public async Task Named_volumes_outlive_their_containers_and_are_in_use_while_one_exists()
    {
        string volume = "vol-" + Guid.NewGuid().ToString("N")[..8];
        (await KistAsync(Root, "run", "--rm", "--network", "none", "-v", volume + ":/data", images.Plain, "sh", "-c", "echo persisted > /data/f")).ShouldSucceed();
        string name = "reader-" + Guid.NewGuid().ToString("N")[..8];
        var read = (await KistAsync(Root, "run", "--name", name, "--network", "none", "-v", volume + ":/data:ro", images.Plain, "cat", "/data/f")).ShouldSucceed();
        Assert.Equal("persisted\n", read.Stdout);
        Assert.NotEqual(0, (await KistAsync(Root, "volume", "rm", volume)).ExitCode);
        (await KistAsync(Root, "rm", name)).ShouldSucceed();
        (await KistAsync(Root, "volume", "rm", volume)).ShouldSucceed();
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Fact]
    public async Task A_container_whose_monitor_was_killed_is_not_running()
    {
        string name = "orphan-" + Guid.NewGuid().ToString("N")[..8];
        (await KistAsync(Root, "run", "-d", "--network", "none", "--name", name, images.Plain, "sleep", "60")).ShouldSucceed();
        var monitor = ContainerLeaks.Processes(Root).Single(p => p.Contains("container-monitor", StringComparison.Ordinal));
        int pid = int.Parse(monitor[..monitor.IndexOf(':')]);
        Process.GetProcessById(pid).Kill();
        await Task.Delay(300);
        var ps = (await KistAsync(Root, "ps", "-a", "--filter", "name=" + name)).ShouldSucceed();
        Assert.Contains("Exited (137)", ps.Stdout);
        Assert.DoesNotContain(name, (await KistAsync(Root, "ps")).Stdout);
        (await KistAsync(Root, "rm", name)).ShouldSucceed();
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Fact]
    public async Task Rm_refuses_a_running_container_unless_forced_and_rm_flag_cleans_up_detached_ones()
    {
        string name = "force-" + Guid.NewGuid().ToString("N")[..8];
        (await KistAsync(Root, "run", "-d", "--network", "none", "--name", name, images.Plain, "sleep", "60")).ShouldSucceed();
        var refused = await KistAsync(Root, "rm", name);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("cannot remove a running container", refused.Stderr);
        Assert.Equal(125, (await KistAsync(Root, "run", "-d", "--network", "none", "--name", name, images.Plain, "true")).ExitCode);
        (await KistAsync(Root, "rm", "-f", name)).ShouldSucceed();

        string auto = "auto-" + Guid.NewGuid().ToString("N")[..8];
        (await KistAsync(Root, "run", "-d", "--rm", "--network", "none", "--name", auto, images.Plain, "sleep", "0.2")).ShouldSucceed();
        for (int i = 0; i < 100 && (await KistAsync(Root, "ps", "-a")).Stdout.Contains(auto); i++) await Task.Delay(100);
        Assert.DoesNotContain(auto, (await KistAsync(Root, "ps", "-a")).Stdout);
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    /// <summary>
    /// A foreground run starts the runtime before the container is in the store: a name in use, found only then, ends
    /// it with docker's 125 and leaves no directory, read-write layer, runtime state or process behind.
    /// </summary>
    [Fact]
    public async Task A_foreground_run_whose_name_is_in_use_fails_and_leaves_nothing()
    {
        string name = "taken-" + Guid.NewGuid().ToString("N")[..8];
        string snapshots = Path.Combine(Root, "snapshots", "overlay", "snapshots");
        string containers = Path.Combine(Root, "containers");
        string id = (await KistAsync(Root, "run", "-d", "--network", "none", "--name", name, images.Plain, "sleep", "60")).ShouldSucceed().Stdout.Trim();
        try
        {
            int layers = Directory.GetDirectories(snapshots).Length;
            var directories = Directory.GetDirectories(containers).Order().ToList();
            foreach (string[] flags in new[] { ["--rm"], Array.Empty<string>() })
            {
                var refused = await KistAsync(Root, ["run", .. flags, "--network", "none", "--name", name, images.Plain, "echo", "never"]);
                Assert.Equal(125, refused.ExitCode);
                Assert.Contains($"The container name \"/{name}\" is already in use by container \"{id}\"", refused.Stderr);
                Assert.DoesNotContain("never", refused.Stdout);
            }
            Assert.Equal(directories, Directory.GetDirectories(containers).Order().ToList());
            Assert.Equal(layers, Directory.GetDirectories(snapshots).Length);
            Assert.Equal([id], await ContainerLeaks.RuntimeContainersAsync(Root));
            Assert.Equal("running", (await KistAsync(Root, "inspect", "-f", "{{.State.Status}}", name)).ShouldSucceed().Stdout.Trim());
        }
        finally
        {
            (await KistAsync(Root, "rm", "-f", name)).ShouldSucceed();
        }
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    /// <summary>
    /// A foreground run starts the runtime before it looks up the image and checks the flags against it: an image the
    /// store lacks (with <c>--pull never</c>) or a flag found wrong only then ends the run with docker's 125 and
    /// message, and leaves no directory, runtime state or process behind.
    /// </summary>
    [Fact]
    public async Task A_foreground_run_that_fails_before_its_container_exists_leaves_nothing()
    {
        string containers = Directory.CreateDirectory(Path.Combine(Root, "containers")).FullName;
        var directories = Directory.GetDirectories(containers).Order().ToList();
        var absent = await KistAsync(Root, "run", "--rm", "--pull", "never", "--network", "none", "kist-e2e/absent:1", "echo", "never");
        Assert.Equal(125, absent.ExitCode);
        Assert.Equal("Error: No such image: kist-e2e/absent:1", absent.Stderr.Trim());
        var memory = await KistAsync(Root, "run", "--memory", "1k", "--network", "none", images.Plain, "echo", "never");
        Assert.Equal(125, memory.ExitCode);
        Assert.Contains("Minimum memory limit allowed is 6MB", memory.Stderr);
        Assert.Equal("", absent.Stdout + memory.Stdout);
        Assert.Equal(directories, Directory.GetDirectories(containers).Order().ToList());
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Theory]
    [InlineData("--rm")]
    [InlineData("-d")]
    public async Task A_missing_env_file_is_refused_as_docker_refuses_it(string mode)
    {
        string missing = Path.Combine(Path.GetTempPath(), "kist-no-such-env-" + Guid.NewGuid().ToString("N"));
        var kist = await KistAsync(Root, "run", mode, "--env-file", missing, "--network", "none", images.Plain, "true");
        var docker = await Docker.RunAsync("run", mode, "--env-file", missing, "--network", "none", images.Plain, "true");
        Assert.Equal(125, docker.ExitCode);
        Assert.Equal(docker.ExitCode, kist.ExitCode);
        Assert.Contains($"open {missing}: no such file or directory", docker.Stderr);
        Assert.Contains($"open {missing}: no such file or directory", kist.Stderr);
        Assert.Equal("", kist.Stdout);
    }

    [Fact]
    public async Task Foreground_run_forwards_sigterm_and_returns_the_containers_code()
    {
        var info = new ProcessStartInfo(KistBinary) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "--root", Root, "run", "--rm", "--network", "none", images.Plain, "sh", "-c", "trap 'echo term; exit 9' TERM; echo ready; while true; do sleep 0.1; done" })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        Assert.Equal("ready", await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        Assert.Equal("term", await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(9, process.ExitCode);
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Fact]
    public async Task Create_then_start_attached_and_inspect_in_dockers_shape()
    {
        string name = "created-" + Guid.NewGuid().ToString("N")[..8];
        string id = (await KistAsync(Root, "create", "--network", "none", "--name", name, "-e", "A=1", "--label", "k=v", images.Plain, "sh", "-c", "echo out; echo err >&2; exit 3")).ShouldSucceed().Stdout.Trim();
        Assert.Contains("Created", (await KistAsync(Root, "ps", "-a", "--filter", "name=" + name)).Stdout);
        var start = await KistAsync(Root, "start", "-a", name);
        Assert.Equal(3, start.ExitCode);
        Assert.Equal("out\n", start.Stdout);
        Assert.Equal("err\n", start.Stderr);
        var inspect = (await KistAsync(Root, "inspect", id[..10])).ShouldSucceed();
        using var doc = System.Text.Json.JsonDocument.Parse(inspect.Stdout);
        var c = doc.RootElement[0];
        Assert.Equal(id, c.GetProperty("Id").GetString());
        Assert.Equal("/" + name, c.GetProperty("Name").GetString());
        Assert.Equal("sh", c.GetProperty("Path").GetString());
        Assert.Equal(3, c.GetProperty("State").GetProperty("ExitCode").GetInt32());
        Assert.Equal("exited", c.GetProperty("State").GetProperty("Status").GetString());
        Assert.Contains("A=1", c.GetProperty("Config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("v", c.GetProperty("Config").GetProperty("Labels").GetProperty("k").GetString());
        Assert.Equal("none", c.GetProperty("HostConfig").GetProperty("NetworkMode").GetString());
        var logs = await KistAsync(Root, "logs", "-t", name);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT[\d:.]+Z out\n$", logs.Stdout);
        // ps shows the command quoted and cut at 20 characters, as docker does.
        Assert.Contains("\"sh -c echo out; ech…\"", (await KistAsync(Root, "ps", "-a", "--filter", "name=" + name)).Stdout);
        Assert.Equal(id, (await KistAsync(Root, "ps", "-aq", "--no-trunc", "--filter", "name=" + name)).Stdout.Trim());
        (await KistAsync(Root, "container", "rm", name)).ShouldSucceed();
        await ContainerLeaks.AssertNoneAsync(Root);
    }
}
