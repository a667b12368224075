using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd.BuildParity;

/// <summary>
/// Features the local BuildKit (docker 20.10's built-in frontend) rejects: heredocs, COPY --link, --parents and
/// --exclude; and COPY --chmod with special bits, which BuildKit 0.8 got wrong (moby/buildkit#3920, fixed since). Each is built by kist alone and checked against the results the Dockerfile reference documents,
/// written out here. They use the parity suite's base image, in their own root (docker is not involved).
/// </summary>
public sealed class DockerfileReferenceTests : IAsyncLifetime
{
    private readonly TestRoot _root = new("kist-reference-root");
    private readonly TestRoot _work = new("kist-reference-work");

    public async Task InitializeAsync()
    {
        await ParityBaseImage.CreateAsync(_root.Path, _work.Path, loadIntoDocker: false);
    }

    public async Task DisposeAsync()
    {
        await ContainerLeaks.CleanUpAsync(_root.Path);
        _root.Dispose();
        _work.Dispose();
    }

    /// <summary>Builds <paramref name="dockerfile"/> with kist over a context of the given files; returns the flattened tree.</summary>
    private async Task<SortedDictionary<string, string>> BuildAsync(string name, string dockerfile, params (string Path, string Content)[] files)
    {
        string context = Path.Combine(_work.Path, name, "context");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        foreach (var (path, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(context, path))!);
            File.WriteAllText(Path.Combine(context, path), content);
        }
        string tag = $"{ParityCase.Repository}/reference-{name}:1";
        (await KistAsync(_root.Path, "build", "-t", tag, context)).ShouldSucceed();
        string archive = Path.Combine(_work.Path, name, "image.tar");
        (await KistAsync(_root.Path, "save", "-o", archive, tag)).ShouldSucceed();
        var image = await SavedImage.FlattenAsync(archive, Path.Combine(_work.Path, name, "image"));
        return TreeSnapshot.Take(image.Rootfs);
    }

    private static string Content(string root, string path) => File.ReadAllText(Path.Combine(root, path.TrimStart('/')));

    [Fact]
    public async Task Heredocs_run_scripts_and_write_files()
    {
        string context = Path.Combine(_work.Path, "heredoc", "image", "rootfs");
        var tree = await BuildAsync("heredoc", """
            FROM kist-parity/busybox:1
            ARG NAME=world
            RUN <<EOF
            echo "hello $NAME" > /run-script.txt
            echo second line >> /run-script.txt
            EOF
            RUN cat <<EOF > /stdin.txt
            from stdin
            EOF
            RUN <<-EOT sh
            	echo tabs stripped > /tabs.txt
            	EOT
            COPY <<EOF /copied.txt
            hello ${NAME}
            EOF
            COPY <<"EOF" /quoted.txt
            hello ${NAME}
            EOF
            COPY <<ONE <<TWO /many/
            first
            ONE
            second
            TWO
            """.Replace("\r", ""));
        Assert.Equal("hello world\nsecond line\n", Content(context, "/run-script.txt"));
        Assert.Equal("from stdin\n", Content(context, "/stdin.txt"));
        Assert.Equal("tabs stripped\n", Content(context, "/tabs.txt"));
        Assert.Equal("hello world\n", Content(context, "/copied.txt"));
        Assert.StartsWith("file 0644 0:0", tree["/copied.txt"]);
        Assert.Equal("hello ${NAME}\n", Content(context, "/quoted.txt"));
        Assert.Equal("first\n", Content(context, "/many/ONE"));
        Assert.Equal("second\n", Content(context, "/many/TWO"));
    }

    [Fact]
    public async Task Copy_link_gives_the_same_files_as_copy()
    {
        string rootfs = Path.Combine(_work.Path, "link", "image", "rootfs");
        var tree = await BuildAsync("link", """
            FROM kist-parity/busybox:1
            COPY --link a.txt /linked/
            COPY --link --chown=app:staff --chmod=640 dir /linked/dir
            COPY a.txt /plain/
            """, ("a.txt", "a\n"), ("dir/sub/b.txt", "b\n"));
        Assert.Equal(tree["/plain/a.txt"], tree["/linked/a.txt"]);
        Assert.Equal("a\n", Content(rootfs, "/linked/a.txt"));
        Assert.StartsWith("file 0640 1000:50", tree["/linked/dir/sub/b.txt"]);
        Assert.False(tree.ContainsKey("/linked/dir/dir"));
    }

    [Fact]
    public async Task Copy_parents_keeps_the_source_directories()
    {
        var tree = await BuildAsync("parents", """
            FROM kist-parity/busybox:1
            COPY ./x/a.txt ./y/a.txt /no_parents/
            COPY --parents ./x/a.txt ./y/a.txt /parents/
            COPY --parents packages/*/package.json /app/
            COPY --parents ./src/./dir/*.txt /pivot/
            COPY --parents ./src/**/*.txt /recursive/
            """,
            ("x/a.txt", "x\n"), ("y/a.txt", "y\n"), ("packages/foo/package.json", "{}"), ("packages/bar/package.json", "{}"),
            ("packages/bar/other.js", ""), ("src/dir/one.txt", "1"), ("src/dir/two.md", "2"));
        Assert.Contains("/no_parents/a.txt", tree.Keys);
        Assert.DoesNotContain("/no_parents/x", tree.Keys);
        Assert.Contains("/parents/x/a.txt", tree.Keys);
        Assert.Contains("/parents/y/a.txt", tree.Keys);
        Assert.Contains("/app/packages/foo/package.json", tree.Keys);
        Assert.Contains("/app/packages/bar/package.json", tree.Keys);
        Assert.DoesNotContain("/app/packages/bar/other.js", tree.Keys);
        Assert.Contains("/pivot/dir/one.txt", tree.Keys);
        Assert.DoesNotContain("/pivot/src", tree.Keys);
        Assert.DoesNotContain("/pivot/dir/two.md", tree.Keys);
        Assert.Contains("/recursive/src/dir/one.txt", tree.Keys);
        Assert.DoesNotContain("/recursive/src/dir/two.md", tree.Keys);
    }

    [Fact]
    public async Task Copy_and_add_exclude_filter_the_sources()
    {
        var tree = await BuildAsync("exclude", """
            FROM kist-parity/busybox:1
            COPY --exclude=**/*.md --exclude=secret . /ctx/
            ADD --exclude=**/*.tmp src /src/
            """,
            ("app.txt", "a"), ("README.md", "r"), ("docs/guide.md", "g"), ("secret/key", "k"), ("src/a.c", "c"), ("src/deep/x.tmp", "t"));
        Assert.Contains("/ctx/app.txt", tree.Keys);
        Assert.Contains("/ctx/Dockerfile", tree.Keys);
        Assert.DoesNotContain("/ctx/README.md", tree.Keys);
        Assert.DoesNotContain("/ctx/docs/guide.md", tree.Keys);
        Assert.DoesNotContain("/ctx/secret/key", tree.Keys);
        Assert.Contains("/src/a.c", tree.Keys);
        Assert.DoesNotContain("/src/deep/x.tmp", tree.Keys);
    }

    [Fact]
    public async Task Copy_chmod_sets_the_special_bits_it_names()
    {
        var tree = await BuildAsync("chmod", """
            FROM kist-parity/busybox:1 AS owner
            RUN touch /f && chmod 4711 /f

            FROM kist-parity/busybox:1
            COPY --chmod=4755 a.txt /setuid
            COPY --chmod=2750 a.txt /setgid
            COPY --from=owner --chmod=644 /f /cleared
            """, ("a.txt", "a\n"));
        Assert.StartsWith("file 4755 0:0", tree["/setuid"]);
        Assert.StartsWith("file 2750 0:0", tree["/setgid"]);
        Assert.StartsWith("file 0644 0:0", tree["/cleared"]);
    }
}
