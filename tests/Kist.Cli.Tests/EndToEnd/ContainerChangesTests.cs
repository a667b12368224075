using System.Formats.Tar;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// exec, diff, commit, export, cp and container prune end to end with the real binary and runc, compared with docker
/// running the identical image and commands where docker defines the answer.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ContainerChangesTests(ContainerImages images) : IClassFixture<ContainerImages>
{
    private string Root => images.Root.Path;

    /// <summary>What both engines do to their container before diff, commit and export are compared.</summary>
    private const string Changes = "mkdir /newdir && echo x > /newdir/f && echo extra >> /etc/passwd && rm /etc/group && touch /tmp/t && rm -r /home/alice";

    private static string Name(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> RunDetachedAsync(string name, params string[] args)
    {
        (await KistAsync(Root, ["run", "-d", "--network", "none", "--name", name, .. args])).ShouldSucceed();
        return name;
    }

    [Fact]
    public async Task Exec_runs_with_the_containers_env_user_and_workdir_and_gives_dockers_exit_codes()
    {
        string name = await RunDetachedAsync(Name("exec"), "-e", "FOO=bar", "-w", "/tmp", images.Plain, "sleep", "60");
        string docker = Name("kist-exec-docker");
        try
        {
            var env = (await KistAsync(Root, "exec", name, "env")).ShouldSucceed().Lines;
            Assert.Contains("FOO=bar", env);
            Assert.Contains("KIST_TEST=1", env);
            Assert.Contains(env, l => l.StartsWith("PATH=/usr/local/sbin:", StringComparison.Ordinal));
            var overridden = (await KistAsync(Root, "exec", "-e", "FOO=baz", "-e", "NEW=1", name, "env")).ShouldSucceed().Lines;
            Assert.Contains("FOO=baz", overridden);
            Assert.Contains("NEW=1", overridden);
            Assert.DoesNotContain("FOO=bar", overridden);
            // The command's own flags are its own.
            Assert.Contains("busybox", (await KistAsync(Root, "exec", name, "ls", "-l", "/bin")).ShouldSucceed().Stdout);
            (await KistAsync(Root, "exec", "-d", name, "touch", "/tmp/detached")).ShouldSucceed();
            for (int i = 0; i < 50 && (await KistAsync(Root, "exec", name, "test", "-f", "/tmp/detached")).ExitCode != 0; i++) await Task.Delay(50);
            (await KistAsync(Root, "exec", name, "test", "-f", "/tmp/detached")).ShouldSucceed();

            // The same commands under docker: output and exit codes agree.
            (await Docker.RunAsync("run", "-d", "--network", "none", "--name", docker, "-e", "FOO=bar", "-w", "/tmp", images.Plain, "sleep", "60")).ShouldSucceed();
            (string[] Flags, string[] Cmd)[] commands =
            [
                ([], ["pwd"]), (["-w", "/home"], ["pwd"]), ([], ["id"]), (["-u", "alice"], ["id"]), (["-u", "1000:50"], ["id"]),
                ([], ["sh", "-c", "exit 3"]), ([], ["nope"]), ([], ["/etc"]), (["-u", "nobody2"], ["true"]),
                (["-w", "/nonexistent"], ["pwd"]), ([], ["sh", "-c", "echo out; echo err >&2"]),
            ];
            foreach (var (flags, cmd) in commands)
            {
                var k = await KistAsync(Root, ["exec", .. flags, name, .. cmd]);
                var d = await Docker.RunAsync(["exec", .. flags, docker, .. cmd]);
                string what = string.Join(' ', flags.Concat(cmd));
                Assert.True(d.ExitCode == k.ExitCode, $"{what}: docker {d.ExitCode} ({d.Stderr.Trim()}), kist {k.ExitCode} ({k.Stderr.Trim()})");
                // docker's CLI reports a failed start on stdout (with line endings of its own): compare the text.
                Assert.True(d.Stdout.Trim() == k.Stdout.Trim(), $"{what}: docker printed [{d.Stdout}], kist [{k.Stdout}]");
                if (d.ExitCode is 0 or 3) Assert.True(d.Stderr == k.Stderr, $"{what}: docker said {d.Stderr}, kist {k.Stderr}");
            }
        }
        finally
        {
            await Docker.RunAsync("rm", "-f", docker);
            (await KistAsync(Root, "rm", "-f", name)).ShouldSucceed();
        }
        var stopped = await KistAsync(Root, "create", "--network", "none", images.Plain, "true");
        string id = stopped.ShouldSucceed().Stdout.Trim();
        var notRunning = await KistAsync(Root, "exec", id, "true");
        Assert.Equal(1, notRunning.ExitCode);
        Assert.Contains($"Container {id} is not running", notRunning.Stderr);
        Assert.Equal(1, (await KistAsync(Root, "exec", "no-such-" + id[..8], "true")).ExitCode);
        (await KistAsync(Root, "rm", id)).ShouldSucceed();
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Fact]
    public async Task Diff_commit_and_export_match_docker_for_the_same_changes()
    {
        string name = await RunDetachedAsync(Name("changes"), images.Plain, "sleep", "60");
        string docker = Name("kist-changes-docker");
        string repo = "kist-commit-test-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            Assert.Empty((await KistAsync(Root, "diff", name)).ShouldSucceed().Lines);
            (await KistAsync(Root, "exec", name, "sh", "-c", Changes)).ShouldSucceed();
            (await Docker.RunAsync("run", "-d", "--network", "none", "--name", docker, images.Plain, "sleep", "60")).ShouldSucceed();
            (await Docker.RunAsync("exec", docker, "sh", "-c", Changes)).ShouldSucceed();

            var kistDiff = (await KistAsync(Root, "diff", name)).ShouldSucceed().Lines;
            var dockerDiff = (await Docker.RunAsync("diff", docker)).ShouldSucceed().Lines;
            Assert.Equal(dockerDiff.Order(StringComparer.Ordinal), kistDiff.Order(StringComparer.Ordinal));
            Assert.Contains("D /etc/group", kistDiff);
            Assert.Contains("A /newdir/f", kistDiff);

            // commit: the changes become a layer; the config is the container's with the --change applied.
            var commit = (await KistAsync(Root, "commit", "-a", "Kist Tester", "-m", "a commit message", "-c", "ENV COMMITTED=yes", name, repo + ":v1")).ShouldSucceed();
            Assert.Matches("^sha256:[0-9a-f]{64}$", commit.Stdout.Trim());
            var shown = (await KistAsync(Root, "run", "--rm", "--network", "none", repo + ":v1", "sh", "-c", "cat /newdir/f; test -e /etc/group || echo no-group; echo $COMMITTED $KIST_TEST")).ShouldSucceed();
            Assert.Equal("x\nno-group\nyes 1\n", shown.Stdout);
            var history = (await KistAsync(Root, "history", "--no-trunc", repo + ":v1")).ShouldSucceed();
            Assert.Contains("sleep 60", history.Lines[1]);
            Assert.Contains("a commit message", history.Lines[1]);
            Assert.Equal("Kist Tester", (await KistAsync(Root, "inspect", "-f", "{{.Author}}", repo + ":v1")).ShouldSucceed().Stdout.Trim());
            var dangling = (await KistAsync(Root, "commit", name)).ShouldSucceed().Stdout.Trim();
            Assert.Contains(dangling[7..19], (await KistAsync(Root, "images", "-q", "--filter", "dangling=true")).Stdout);

            // export: the same tree as docker's export of its container, its init layer included.
            (await KistAsync(Root, "stop", "-t", "0", name)).ShouldSucceed();
            (await Docker.RunAsync("stop", "-t", "0", docker)).ShouldSucceed();
            string kistTar = images.Scratch.File(name + ".tar"), dockerTar = images.Scratch.File(docker + ".tar");
            (await KistAsync(Root, "export", "-o", kistTar, name)).ShouldSucceed();
            (await Docker.RunAsync("export", "-o", dockerTar, docker)).ShouldSucceed();
            Assert.Equal(Listing(dockerTar), Listing(kistTar));
            var piped = await RunAsync("/bin/sh", ["-c", $"'{KistBinary}' --root '{Root}' export {name} | tar -t | sort | head -3"]);
            Assert.Equal(".dockerenv\nbin/\nbin/busybox\n", piped.Stdout);
        }
        finally
        {
            await Docker.RunAsync("rm", "-f", docker);
            await KistAsync(Root, "rm", "-f", name);
            await KistAsync(Root, "rmi", repo + ":v1");
        }
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    /// <summary>Names, types, modes and sizes of a tar's entries (not times: the containers ran at different times).</summary>
    private static List<string> Listing(string tar)
    {
        var result = new List<string>();
        using var stream = File.OpenRead(tar);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            string name = entry.Name.TrimEnd('/');
            if (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
            name = name.TrimStart('/');
            if (name.Length == 0) continue;
            result.Add($"{name} {entry.EntryType} {Convert.ToString((int)entry.Mode, 8)} {entry.Uid}:{entry.Gid} {entry.Length} {entry.LinkName}");
        }
        return result.Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Cp_copies_both_ways_with_dockers_path_rules_and_never_leaves_the_rootfs()
    {
        string name = await RunDetachedAsync(Name("cp"), images.Plain, "sleep", "60");
        string local = images.Scratch.File(name);
        Directory.CreateDirectory(Path.Combine(local, "tree", "sub"));
        File.WriteAllText(Path.Combine(local, "file.txt"), "hello\n");
        File.WriteAllText(Path.Combine(local, "tree", "sub", "deep.txt"), "deep\n");
        string marker = "kist-cp-escape-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            // Into the container: a file into a directory, a directory to a new name, a directory's contents.
            (await KistAsync(Root, "cp", Path.Combine(local, "file.txt"), name + ":/tmp")).ShouldSucceed();
            (await KistAsync(Root, "cp", Path.Combine(local, "tree"), name + ":/copied")).ShouldSucceed();
            (await KistAsync(Root, "cp", Path.Combine(local, "tree"), name + ":/tmp")).ShouldSucceed();
            (await KistAsync(Root, "cp", Path.Combine(local, "tree") + "/.", name + ":/root")).ShouldSucceed();
            var seen = (await KistAsync(Root, "exec", name, "sh", "-c", "cat /tmp/file.txt /copied/sub/deep.txt /tmp/tree/sub/deep.txt /root/sub/deep.txt; stat -c '%u:%g' /tmp/file.txt")).ShouldSucceed();
            Assert.Equal("hello\ndeep\ndeep\ndeep\n0:0\n", seen.Stdout);
            Assert.Equal(1, (await KistAsync(Root, "cp", Path.Combine(local, "file.txt"), name + ":/missing/")).ExitCode);
            Assert.Equal(1, (await KistAsync(Root, "cp", Path.Combine(local, "tree"), name + ":/tmp/file.txt")).ExitCode);

            // Out of the container: a file into a directory, a directory's contents, a tar stream on stdout.
            string outDir = Path.Combine(local, "out");
            Directory.CreateDirectory(outDir);
            (await KistAsync(Root, "cp", name + ":/etc/passwd", outDir)).ShouldSucceed();
            Assert.Contains("alice:x:1000", File.ReadAllText(Path.Combine(outDir, "passwd")));
            (await KistAsync(Root, "cp", name + ":/copied/.", outDir)).ShouldSucceed();
            Assert.Equal("deep\n", File.ReadAllText(Path.Combine(outDir, "sub", "deep.txt")));
            var listed = await RunAsync("/bin/sh", ["-c", $"'{KistBinary}' --root '{Root}' cp {name}:/copied - | tar -t | sort"]);
            Assert.Equal("copied/\ncopied/sub/\ncopied/sub/deep.txt\n", listed.Stdout);

            // A tar stream on stdin lands in a directory.
            using (var tar = new MemoryStream())
            {
                using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "from-stdin.txt") { DataStream = new MemoryStream("streamed\n"u8.ToArray()) });
                tar.Position = 0;
                (await KistWithInputAsync(Root, tar, "cp", "-", name + ":/tmp")).ShouldSucceed();
            }
            Assert.Equal("streamed\n", (await KistAsync(Root, "exec", name, "cat", "/tmp/from-stdin.txt")).ShouldSucceed().Stdout);

            // Symlinks in the container resolve inside its rootfs: never to the host's files.
            (await KistAsync(Root, "exec", name, "sh", "-c", "ln -s / /tmp/root-link; ln -s ../../../../../../etc /tmp/up-link")).ShouldSucceed();
            (await KistAsync(Root, "cp", Path.Combine(local, "file.txt"), $"{name}:/tmp/up-link/{marker}")).ShouldSucceed();
            Assert.False(File.Exists("/etc/" + marker), "cp wrote through a symlink out of the container");
            Assert.Equal("hello\n", (await KistAsync(Root, "exec", name, "cat", "/etc/" + marker)).ShouldSucceed().Stdout);
            (await KistAsync(Root, "cp", $"{name}:/tmp/root-link/etc/passwd", Path.Combine(local, "via-link"))).ShouldSucceed();
            Assert.Contains("alice:x:1000", File.ReadAllText(Path.Combine(local, "via-link")));
            // Without -L a symlink is copied as a symlink; with -L its target is.
            (await KistAsync(Root, "cp", $"{name}:/tmp/up-link", Path.Combine(local, "link-itself"))).ShouldSucceed();
            Assert.Equal("../../../../../../etc", new FileInfo(Path.Combine(local, "link-itself")).LinkTarget);
            (await KistAsync(Root, "cp", "-L", $"{name}:/tmp/up-link", Path.Combine(local, "link-followed"))).ShouldSucceed();
            Assert.True(File.Exists(Path.Combine(local, "link-followed", "passwd")));

            // A stopped container is mounted for the copy, then unmounted.
            (await KistAsync(Root, "stop", "-t", "0", name)).ShouldSucceed();
            (await KistAsync(Root, "cp", Path.Combine(local, "file.txt"), name + ":/stopped.txt")).ShouldSucceed();
            (await KistAsync(Root, "cp", name + ":/stopped.txt", Path.Combine(local, "back.txt"))).ShouldSucceed();
            Assert.Equal("hello\n", File.ReadAllText(Path.Combine(local, "back.txt")));
            Assert.Contains("A /stopped.txt", (await KistAsync(Root, "diff", name)).ShouldSucceed().Lines);
        }
        finally
        {
            File.Delete("/etc/" + marker);
            await KistAsync(Root, "rm", "-f", name);
        }
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Fact]
    public async Task Container_prune_removes_stopped_containers_only()
    {
        string created = (await KistAsync(Root, "create", "--network", "none", images.Plain, "true")).ShouldSucceed().Stdout.Trim();
        string exited = Name("exited");
        (await KistAsync(Root, "run", "--network", "none", "--name", exited, images.Plain, "sh", "-c", "echo data > /data")).ShouldSucceed();
        string exitedId = (await KistAsync(Root, "inspect", "-f", "{{.Id}}", exited)).ShouldSucceed().Stdout.Trim();
        string running = await RunDetachedAsync(Name("running"), images.Plain, "sleep", "60");
        try
        {
            var prune = (await KistAsync(Root, "container", "prune", "-f")).ShouldSucceed();
            Assert.Equal("Deleted Containers:", prune.Lines[0]);
            Assert.Contains(created, prune.Lines);
            Assert.Contains(exitedId, prune.Lines);
            Assert.StartsWith("Total reclaimed space: ", prune.Lines[^1]);
            Assert.NotEqual("Total reclaimed space: 0B", prune.Lines[^1]);
            var left = (await KistAsync(Root, "ps", "-aq", "--no-trunc")).ShouldSucceed().Lines;
            Assert.DoesNotContain(created, left);
            Assert.DoesNotContain(exitedId, left);
            Assert.Contains(running, (await KistAsync(Root, "ps")).Stdout);
        }
        finally
        {
            await KistAsync(Root, "rm", "-f", running);
        }
        await ContainerLeaks.AssertNoneAsync(Root);
    }

    [Fact]
    public async Task Container_prune_removes_what_a_start_killed_before_the_record_left()
    {
        // As a kist killed between the container's read-write layer and its record leaves it: a directory without a
        // record, and the layer's snapshot. Made by create, then the record and the name taken away.
        string name = Name("killed");
        string id = (await KistAsync(Root, "create", "--network", "none", "--name", name, images.Plain, "true")).ShouldSucceed().Stdout.Trim();
        string containers = Path.Combine(Root, "containers"), metadata = Path.Combine(Root, "snapshots", "overlay", "metadata.json");
        File.Delete(Path.Combine(containers, id, "container.json"));
        File.Delete(Path.Combine(containers, ".names", name));
        Directory.SetLastWriteTimeUtc(Path.Combine(containers, id), DateTime.UtcNow.AddMinutes(-20));
        // One whose start may still be under way (a record comes milliseconds after the directory) is left alone.
        string starting = Path.Combine(containers, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()));
        Directory.CreateDirectory(starting);
        try
        {
            Assert.Contains("container-" + id, File.ReadAllText(metadata));
            Assert.DoesNotContain(id, (await KistAsync(Root, "ps", "-aq", "--no-trunc")).ShouldSucceed().Lines);
            (await KistAsync(Root, "container", "prune", "-f")).ShouldSucceed();
            Assert.False(Directory.Exists(Path.Combine(containers, id)));
            Assert.DoesNotContain("container-" + id, File.ReadAllText(metadata));
            Assert.True(Directory.Exists(starting));
        }
        finally { Directory.Delete(starting); }
        await ContainerLeaks.AssertNoneAsync(Root);
    }
}
