using System.Text;
using Kist.Oci;
using Kist.Registry.Server.Storage;
using Kist.Registry.Server.Tests.Support;

namespace Kist.Registry.Server.Tests.Storage;

/// <summary>The contract every <see cref="IRegistryStorage"/> keeps; each implementation runs all of it.</summary>
public abstract class RegistryStorageContract : IDisposable
{
    protected readonly TempDir Dir = new();
    protected abstract IRegistryStorage Create();

    public void Dispose() => Dir.Dispose();

    private static async Task<List<T>> All<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var i in items) list.Add(i);
        return list;
    }

    private static async Task<Digest> Upload(IRegistryStorage s, string repo, byte[] bytes)
    {
        var u = await s.StartUploadAsync(repo);
        await s.AppendUploadAsync(repo, u.Id, 0, new MemoryStream(bytes), long.MaxValue);
        return (await s.CompleteUploadAsync(repo, u.Id, Digest.Compute(bytes))).Digest;
    }

    [Fact]
    public async Task Upload_in_chunks_commits_a_verified_blob_linked_to_the_repository()
    {
        var s = Create();
        var bytes = Proto.RandomBytes(100_000);
        var u = await s.StartUploadAsync("a/b");
        Assert.Equal(0, u.Size);
        Assert.Equal(40_000, (await s.AppendUploadAsync("a/b", u.Id, 0, new MemoryStream(bytes[..40_000]), long.MaxValue)).Size);
        Assert.Equal(100_000, (await s.AppendUploadAsync("a/b", u.Id, null, new MemoryStream(bytes[40_000..]), long.MaxValue)).Size);
        Assert.Equal(100_000, (await s.GetUploadAsync("a/b", u.Id))!.Size);
        Assert.Null(await s.StatBlobAsync(Digest.Compute(bytes)));
        var info = await s.CompleteUploadAsync("a/b", u.Id, Digest.Compute(bytes));
        Assert.Equal(100_000, info.Size);
        Assert.True(await s.HasBlobLinkAsync("a/b", info.Digest));
        Assert.False(await s.HasBlobLinkAsync("a/c", info.Digest));
        await using var stream = (await s.OpenBlobAsync(info.Digest))!;
        var read = new MemoryStream();
        await stream.CopyToAsync(read);
        Assert.Equal(bytes, read.ToArray());
        Assert.Null(await s.GetUploadAsync("a/b", u.Id));
        Assert.Empty(await All(s.ListUploadsAsync()));
    }

    [Fact]
    public async Task Mismatched_digest_removes_the_upload_and_commits_nothing()
    {
        var s = Create();
        var u = await s.StartUploadAsync("r");
        await s.AppendUploadAsync("r", u.Id, 0, new MemoryStream([1, 2, 3]), long.MaxValue);
        var wrong = Digest.Compute([9]);
        await Assert.ThrowsAsync<DigestMismatchException>(() => s.CompleteUploadAsync("r", u.Id, wrong).AsTask());
        Assert.Null(await s.GetUploadAsync("r", u.Id));
        Assert.Empty(await All(s.ListBlobsAsync()));
        Assert.False(await s.HasBlobLinkAsync("r", wrong));
    }

    [Fact]
    public async Task Wrong_offset_and_oversize_leave_the_upload_unchanged()
    {
        var s = Create();
        var u = await s.StartUploadAsync("r");
        await s.AppendUploadAsync("r", u.Id, 0, new MemoryStream(new byte[10]), long.MaxValue);
        var e = await Assert.ThrowsAsync<UploadOffsetException>(() => s.AppendUploadAsync("r", u.Id, 5, new MemoryStream(new byte[10]), long.MaxValue).AsTask());
        Assert.Equal(10, e.Size);
        await Assert.ThrowsAsync<UploadTooLargeException>(() => s.AppendUploadAsync("r", u.Id, 10, new MemoryStream(new byte[2_000_000]), 1_000_000).AsTask());
        Assert.Equal(10, (await s.GetUploadAsync("r", u.Id))!.Size);
        var rest = Proto.RandomBytes(50);
        await s.AppendUploadAsync("r", u.Id, 10, new MemoryStream(rest), long.MaxValue);
        var all = new byte[10].Concat(rest).ToArray();
        Assert.Equal(Digest.Compute(all), (await s.CompleteUploadAsync("r", u.Id, Digest.Compute(all))).Digest);
    }

    [Fact]
    public async Task Uploads_belong_to_their_repository_and_can_be_cancelled()
    {
        var s = Create();
        var u = await s.StartUploadAsync("one");
        Assert.Null(await s.GetUploadAsync("two", u.Id));
        Assert.False(await s.CancelUploadAsync("two", u.Id));
        await Assert.ThrowsAsync<UploadUnknownException>(() => s.AppendUploadAsync("two", u.Id, null, new MemoryStream([1]), 10).AsTask());
        Assert.Single(await All(s.ListUploadsAsync()));
        Assert.True(await s.CancelUploadAsync("one", u.Id));
        Assert.Null(await s.GetUploadAsync("one", u.Id));
        Assert.Null(await s.GetUploadAsync("one", "../../etc"));
    }

    [Fact]
    public async Task Blobs_are_shared_and_links_are_per_repository()
    {
        var s = Create();
        var bytes = Proto.RandomBytes(1000);
        var d = await Upload(s, "a", bytes);
        Assert.Equal(d, await Upload(s, "b", bytes));
        Assert.Single(await All(s.ListBlobsAsync()));
        Assert.True(await s.UnlinkBlobAsync("a", d));
        Assert.False(await s.HasBlobLinkAsync("a", d));
        Assert.True(await s.HasBlobLinkAsync("b", d));
        Assert.Equal([d], await All(s.ListBlobLinksAsync("b")));
        await s.LinkBlobAsync("c", d);
        Assert.True(await s.HasBlobLinkAsync("c", d));
        Assert.True(await s.DeleteBlobAsync(d));
        Assert.Null(await s.StatBlobAsync(d));
        Assert.Null(await s.OpenBlobAsync(d));
        Assert.False(await s.DeleteBlobAsync(d));
    }

    [Fact]
    public async Task Manifests_tags_and_referrers()
    {
        var s = Create();
        var bytes = Encoding.UTF8.GetBytes("{\"manifest\":1}");
        var d = Digest.Compute(bytes);
        var subject = Digest.Compute("subject"u8);
        var referrer = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = d, Size = bytes.Length, ArtifactType = "x/y" };
        await s.PutManifestAsync("r", new ManifestWrite(d, MediaTypes.OciManifest, bytes, "v1", subject, referrer));
        await s.PutManifestAsync("r", new ManifestWrite(d, MediaTypes.OciManifest, bytes, "A", subject, referrer));
        var m = await s.GetManifestAsync("r", d);
        Assert.Equal(bytes, m!.Bytes);
        Assert.Equal(MediaTypes.OciManifest, m.MediaType);
        Assert.Null(await s.GetManifestAsync("other", d));
        Assert.Equal(d, await s.ResolveTagAsync("r", "v1"));
        Assert.Equal(["A", "v1"], await All(s.ListTagsAsync("r")));
        Assert.Equal(subject, (await s.GetManifestLinkAsync("r", d))!.Subject);
        Assert.Equal([referrer], await All(s.ListReferrersAsync("r", subject)));
        Assert.Equal([d], (await All(s.ListManifestsAsync("r"))).Select(l => l.Digest));
        Assert.NotNull(await s.StatBlobAsync(d));

        Assert.True(await s.DeleteTagAsync("r", "A"));
        Assert.False(await s.DeleteTagAsync("r", "A"));
        Assert.True(await s.DeleteManifestAsync("r", d));
        Assert.Null(await s.ResolveTagAsync("r", "v1"));
        Assert.Empty(await All(s.ListReferrersAsync("r", subject)));
        Assert.Null(await s.GetManifestAsync("r", d));
        Assert.False(await s.DeleteManifestAsync("r", d));
    }

    [Fact]
    public async Task Repositories_are_listed_in_order_including_nested_ones()
    {
        var s = Create();
        foreach (var r in new[] { "b", "a/z", "a", "a/b/c", "a-b" }) await Upload(s, r, [1]);
        Assert.Equal(["a", "a-b", "a/b/c", "a/z", "b"], await All(s.ListRepositoriesAsync()));
        Assert.True(await s.RepositoryExistsAsync("a/b/c"));
        Assert.False(await s.RepositoryExistsAsync("a/b"));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("/abs")]
    [InlineData("UPPER")]
    [InlineData("")]
    public async Task Invalid_names_never_reach_the_storage(string name)
    {
        var s = Create();
        await Assert.ThrowsAsync<RegistryErrorException>(() => s.StartUploadAsync(name).AsTask());
        await Assert.ThrowsAsync<RegistryErrorException>(() => s.LinkBlobAsync(name, Digest.Compute([1])).AsTask());
        await Assert.ThrowsAsync<RegistryErrorException>(() => s.RepositoryExistsAsync(name).AsTask());
        await Assert.ThrowsAsync<RegistryErrorException>(() => s.ResolveTagAsync("r", "../x").AsTask());
    }

    [Fact]
    public async Task Touch_moves_last_use_forward()
    {
        var s = Create();
        var d = await Upload(s, "r", [1, 2]);
        var before = (await s.StatBlobAsync(d))!.LastUsed;
        await Task.Delay(50);
        await s.TouchBlobAsync(d);
        Assert.True((await s.StatBlobAsync(d))!.LastUsed > before);
    }

    [Fact]
    public async Task Concurrent_uploads_of_the_same_content_all_succeed()
    {
        var s = Create();
        var bytes = Proto.RandomBytes(200_000);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Upload(s, $"r{i}", bytes))));
        Assert.All(results, d => Assert.Equal(Digest.Compute(bytes), d));
        Assert.Single(await All(s.ListBlobsAsync()));
    }
}

public sealed class FileSystemStorageContractTests : RegistryStorageContract
{
    protected override IRegistryStorage Create() => new FileSystemRegistryStorage(Dir.Combine("storage"));

    [Fact]
    public async Task Blobs_persist_across_instances_and_unfinished_uploads_resume_after_a_restart()
    {
        var first = Create();
        var bytes = Proto.RandomBytes(5000);
        var u = await first.StartUploadAsync("r");
        await first.AppendUploadAsync("r", u.Id, 0, new MemoryStream(bytes[..3000]), long.MaxValue);
        var second = Create(); // a new process: no hash state in memory
        Assert.Equal(3000, (await second.GetUploadAsync("r", u.Id))!.Size);
        await second.AppendUploadAsync("r", u.Id, 3000, new MemoryStream(bytes[3000..]), long.MaxValue);
        Assert.Equal(Digest.Compute(bytes), (await second.CompleteUploadAsync("r", u.Id, Digest.Compute(bytes))).Digest);
        Assert.True(await Create().HasBlobLinkAsync("r", Digest.Compute(bytes)));
    }
}

public sealed class InMemoryStorageContractTests : RegistryStorageContract
{
    protected override IRegistryStorage Create() => new InMemoryRegistryStorage();
}
