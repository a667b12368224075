using System.Formats.Tar;
using System.IO.Compression;
using Kist.Build.Context;
using Kist.Build.Copy;

namespace Kist.Build.Tests.Context;

public sealed class BuildContextTests : IDisposable
{
    private readonly TempTree _dir = new("kist-build-ctx-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task DockerignoreIsApplied()
    {
        _dir.File(".dockerignore", "*.log\nnode_modules\n!keep.log\n");
        _dir.File("Dockerfile", "FROM scratch\n");
        await using var ctx = await BuildContext.FromDirectoryAsync(_dir.Root, null);
        Assert.False(ctx.IsIncluded("a.log"));
        Assert.True(ctx.IsIncluded("keep.log"));
        Assert.False(ctx.IsIncluded("node_modules/x/y.js"));
        Assert.True(ctx.IsIncluded("src/a.cs"));
        Assert.True(ctx.IsIncluded(""));
        Assert.True(ctx.HasExclusions);
        Assert.Equal("FROM scratch\n", ctx.ReadDockerfile(null));
        Assert.Null(ctx.ReadDockerfile("missing.Dockerfile"));
    }

    [Fact]
    public async Task DockerfileSpecificIgnoreFileWins()
    {
        _dir.File(".dockerignore", "a.txt\n");
        _dir.File("build/App.Dockerfile", "FROM scratch\n");
        _dir.File("build/App.Dockerfile.dockerignore", "b.txt\n");
        await using var ctx = await BuildContext.FromDirectoryAsync(_dir.Root, "build/App.Dockerfile");
        Assert.True(ctx.IsIncluded("a.txt"));
        Assert.False(ctx.IsIncluded("b.txt"));
        Assert.Equal("FROM scratch\n", ctx.ReadDockerfile("build/App.Dockerfile"));
    }

    [Fact]
    public async Task ReincludedFileBelowAnExcludedDirectoryIsCopied()
    {
        _dir.File(".dockerignore", "docs\n!docs/keep.md\n");
        _dir.File("docs/keep.md", "K");
        _dir.File("docs/drop.md", "D");
        using var target = new TempTree("kist-build-root-");
        await using var ctx = await BuildContext.FromDirectoryAsync(_dir.Root, null);
        await using var plan = await CopyPlanner.PlanAsync(new CopyRequest { From = CopySourceTree.FromContext(ctx), Sources = ["."], Destination = "/c/" }, null);
        await plan.ApplyAsync(target.Root);
        Assert.True(target.Exists("c/docs/keep.md"));
        Assert.False(target.Exists("c/docs/drop.md"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TarContextIsExtractedAndRemoved(bool gzip)
    {
        var tar = new MemoryStream();
        using (Stream output = gzip ? new GZipStream(tar, CompressionLevel.Fastest, leaveOpen: true) : new NonClosing(tar))
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream("FROM scratch\n"u8.ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, ".dockerignore") { DataStream = new MemoryStream("*.log\n"u8.ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "evil") { LinkName = "/etc" });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../../outside.txt") { DataStream = new MemoryStream("x"u8.ToArray()) });
        }
        tar.Position = 0;
        string root;
        await using (var ctx = await BuildContext.FromTarAsync(tar, _dir.Root))
        {
            root = ctx.Root;
            Assert.StartsWith(_dir.Root, root);
            Assert.Equal("FROM scratch\n", ctx.ReadDockerfile(null));
            Assert.False(ctx.IsIncluded("x.log"));
            Assert.True(File.Exists(Path.Combine(root, "outside.txt")));
        }
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task StdinThatIsNotATarIsTheDockerfile()
    {
        var text = "FROM scratch\nCOPY x /\n";
        await using var ctx = await BuildContext.FromTarAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), _dir.Root);
        Assert.Equal(text, ctx.ReadDockerfile(null));
        Assert.Single(Directory.GetFileSystemEntries(ctx.Root));
    }

    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
