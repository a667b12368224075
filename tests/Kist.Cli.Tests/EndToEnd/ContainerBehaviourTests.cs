using System.Text.RegularExpressions;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// The behaviour matrix: the same image and the same arguments under <c>kist run</c> and <c>docker run</c> give the
/// same output and exit code (container IDs, which differ, are masked).
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ContainerBehaviourTests(ContainerImages images) : IClassFixture<ContainerImages>
{
    public static TheoryData<string, string> Cases() => new()
    {
        // user and groups
        { "", "id" },
        { "-u alice", "id" },
        { "-u alice:staff", "id" },
        { "-u 1000", "id" },
        { "-u 2000:50", "id" },
        { "-u alice", "sh -c 'echo $HOME; pwd'" },
        // environment
        { "", "env" },
        { "-e FOO=bar -e PATH=/bin:/usr/bin -e KIST_TEST=2", "env" },
        { "-t", "env" },
        // working dir, hostname, /etc files
        { "", "pwd" },
        { "-w /newdir", "pwd" },
        { "", "hostname" },
        { "--hostname myhost", "sh -c 'hostname; cat /etc/hostname; env | grep HOSTNAME'" },
        { "-h myhost", "hostname" },
        { "", "cat /etc/hosts" },
        // exit codes 0/1/125/126/127
        { "", "true" },
        { "", "sh -c 'exit 1'" },
        { "", "sh -c 'exit 42'" },
        { "-u nobody", "true" },
        { "", "nope" },
        { "", "/etc/passwd" },
        { "", "/tmp" },
        // read-only root, tmpfs
        { "--read-only", "touch /x" },
        { "--read-only --tmpfs /scratch", "sh -c 'touch /scratch/x && ls /scratch'" },
        // capabilities and privileges
        { "", "grep -E 'Cap(Eff|Bnd|Prm)' /proc/self/status" },
        { "--cap-drop ALL", "grep CapEff /proc/self/status" },
        { "--cap-add NET_ADMIN --cap-drop CHOWN", "grep CapEff /proc/self/status" },
        { "-u alice", "grep CapEff /proc/self/status" },
        { "--security-opt no-new-privileges", "grep NoNewPrivs /proc/self/status" },
        // resource limits seen from inside
        { "--memory 64m", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes" },
        { "--pids-limit 20", "cat /sys/fs/cgroup/pids/pids.max" },
        { "--cpus 0.5", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us" },
        // mounts docker makes
        { "", "sh -c 'ls /dev; grep -E \" /dev/shm | /proc/kcore | /sys \" /proc/self/mountinfo | cut -d\" \" -f5,6'" },
        { "--init", "cat /proc/1/cmdline" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Kist_runs_like_docker(string flags, string command)
    {
        var args = Split(flags);
        var kist = await KistAsync(images.Root.Path, ["run", "--rm", "--network", "none", .. args, images.Plain, .. Split(command)]);
        var docker = await Docker.RunAsync(["run", "--rm", "--network", "none", .. args, images.Plain, .. Split(command)]);
        Assert.True(docker.ExitCode == kist.ExitCode, $"exit code: docker {docker.ExitCode}, kist {kist.ExitCode}\nkist stderr: {kist.Stderr}\ndocker stderr: {docker.Stderr}");
        if (command == "env")
        {
            // The same variables and values; docker itself was seen listing -e variables in either order from run to run.
            Assert.Equal(SortedLines(Mask(docker.Stdout)), SortedLines(Mask(kist.Stdout)));
            return;
        }
        Assert.Equal(Mask(docker.Stdout), Mask(kist.Stdout));
    }

    private static string[] SortedLines(string text) => [.. text.Split('\n').Order(StringComparer.Ordinal)];

    /// <summary>On docker's default network (bridge): the container's own address in /etc/hosts, eth0 up, the hostname.</summary>
    [Theory]
    [InlineData("cat /etc/hosts")]
    [InlineData("sh -c 'cat /sys/class/net/eth0/operstate; hostname; grep -c nameserver /etc/resolv.conf'")]
    public async Task Bridge_network_looks_like_dockers(string command)
    {
        var kist = await KistAsync(images.Root.Path, ["run", "--rm", images.Plain, .. Split(command)]);
        var docker = await Docker.RunAsync(["run", "--rm", images.Plain, .. Split(command)]);
        Assert.True(docker.ExitCode == kist.ExitCode, $"exit code: docker {docker.ExitCode}, kist {kist.ExitCode}\nkist stderr: {kist.Stderr}");
        Assert.Equal(Ipv4().Replace(Mask(docker.Stdout), "<ip>"), Ipv4().Replace(Mask(kist.Stdout), "<ip>"));
    }

    [GeneratedRegex(@"\b\d+\.\d+\.\d+\.\d+\b")]
    private static partial Regex Ipv4();

    public static TheoryData<string, string> EntrypointCases() => new()
    {
        { "", "" },
        { "", "x y" },
        { "--entrypoint sh", "-c 'echo hi'" },
        { "--entrypoint ''", "echo z" },
        { "--entrypoint ''", "" },
        { "--entrypoint /bin/echo", "" },
    };

    [Theory]
    [MemberData(nameof(EntrypointCases))]
    public async Task Entrypoint_and_cmd_combine_like_docker(string flags, string command)
    {
        var args = Split(flags);
        var kist = await KistAsync(images.Root.Path, ["run", "--rm", "--network", "none", .. args, images.WithEntrypoint, .. Split(command)]);
        var docker = await Docker.RunAsync(["run", "--rm", "--network", "none", .. args, images.WithEntrypoint, .. Split(command)]);
        Assert.True(docker.ExitCode == kist.ExitCode, $"exit code: docker {docker.ExitCode}, kist {kist.ExitCode}\nkist stderr: {kist.Stderr}\ndocker stderr: {docker.Stderr}");
        Assert.Equal(docker.Stdout, kist.Stdout);
    }

    [Fact]
    public async Task Bind_mounts_read_write_and_read_only_like_docker()
    {
        string dir = images.Scratch.File("bind-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "f"), "content\n");
        foreach (var (flags, command) in new[]
        {
            ($"-v {dir}:/data", "cat /data/f"),
            ($"-v {dir}:/data:ro", "touch /data/new"),
            ($"-v {dir}:/data", "sh -c 'echo written > /data/w; cat /data/w'"),
        })
        {
            var kist = await KistAsync(images.Root.Path, ["run", "--rm", "--network", "none", .. Split(flags), images.Plain, .. Split(command)]);
            File.Delete(Path.Combine(dir, "w"));
            var docker = await Docker.RunAsync(["run", "--rm", "--network", "none", .. Split(flags), images.Plain, .. Split(command)]);
            File.Delete(Path.Combine(dir, "w"));
            Assert.True(docker.ExitCode == kist.ExitCode, $"{flags} {command}: docker {docker.ExitCode}, kist {kist.ExitCode}: {kist.Stderr}");
            Assert.Equal(docker.Stdout, kist.Stdout);
        }
        Assert.False(File.Exists(Path.Combine(dir, "new")));
    }

    [Fact]
    public async Task Standard_input_reaches_the_container_with_i()
    {
        var kist = await KistWithInputAsync(images.Root.Path, new MemoryStream("from stdin\n"u8.ToArray()), "run", "--rm", "-i", "--network", "none", images.Plain, "cat");
        Assert.Equal("from stdin\n", kist.ShouldSucceed().Stdout);
        var closed = await KistWithInputAsync(images.Root.Path, new MemoryStream("ignored\n"u8.ToArray()), "run", "--rm", "--network", "none", images.Plain, "cat");
        Assert.Equal("", closed.ShouldSucceed().Stdout);
    }

    [Fact]
    public async Task Run_rm_leaves_nothing_behind()
    {
        string snapshots = Path.Combine(images.Root.Path, "snapshots", "overlay", "snapshots");
        // The image's snapshots and its init layer are made by the first run and kept, as an image's are.
        (await KistAsync(images.Root.Path, "run", "--rm", "--network", "none", images.Plain, "true")).ShouldSucceed();
        int before = Directory.GetDirectories(snapshots).Length;
        (await KistAsync(images.Root.Path, "run", "--rm", "--network", "none", images.Plain, "sh", "-c", "echo x > /file")).ShouldSucceed();
        Assert.Equal(127, (await KistAsync(images.Root.Path, "run", "--rm", "--network", "none", images.Plain, "nope")).ExitCode);
        Assert.Empty((await KistAsync(images.Root.Path, "ps", "-aq")).ShouldSucceed().Lines);
        Assert.Equal(before, Directory.GetDirectories(snapshots).Length);
        string containers = Path.Combine(images.Root.Path, "containers");
        // What is left is named, with what it holds, so that a rare leftover can be told apart.
        var left = Directory.EnumerateDirectories(containers).Where(d => Path.GetFileName(d) != ".names")
            .Select(d => Path.GetFileName(d) + " [" + string.Join(", ", Directory.EnumerateFileSystemEntries(d, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(d, e))) + "]")
            .ToList();
        Assert.True(left.Count == 0, "left in containers/: " + string.Join("; ", left));
        Assert.True(Directory.Exists(Path.Combine(containers, ".names")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(containers, ".names")));
        await ContainerLeaks.AssertNoneAsync(images.Root.Path);
    }

    [Fact]
    public async Task Usage_errors_exit_125_like_docker()
    {
        var kist = await KistAsync(images.Root.Path, "run", "--no-such-flag", images.Plain, "true");
        var docker = await Docker.RunAsync("run", "--no-such-flag", images.Plain, "true");
        Assert.Equal(docker.ExitCode, kist.ExitCode);
        var missing = await KistAsync(images.Root.Path, "run", "--rm", "no-such-image-here:1", "true");
        Assert.Equal(125, missing.ExitCode);
    }

    /// <summary>Container IDs (hostnames) differ between the two runs.</summary>
    private static string Mask(string s) => HexId().Replace(s, "<id>").Replace("\r\n", "\n");

    [GeneratedRegex(@"\b[0-9a-f]{12}\b")]
    private static partial Regex HexId();

    /// <summary>Splits like a shell: spaces separate words, single quotes group them.</summary>
    internal static string[] Split(string s)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        foreach (char ch in s)
        {
            if (ch == '\'') { quoted = !quoted; any = true; continue; }
            if (ch == ' ' && !quoted)
            {
                if (any) words.Add(current.ToString());
                current.Clear();
                any = false;
                continue;
            }
            current.Append(ch);
            any = true;
        }
        if (any) words.Add(current.ToString());
        return words.ToArray();
    }
}
