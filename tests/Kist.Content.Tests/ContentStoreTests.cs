using System.Text;
using Kist.Content.Tests.Support;
using Kist.Oci;

namespace Kist.Content.Tests;

public class ContentStoreTests
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Commit_makes_a_verified_blob_visible_and_empties_ingest()
    {
        using var store = new TestStore();
        var data = Bytes("hello blob");
        var expected = new Descriptor { MediaType = "x/y", Digest = Digest.Compute(data), Size = data.Length };
        await using (var writer = await store.Content.OpenWriterAsync(expected))
        {
            await writer.Stream.WriteAsync(data.AsMemory(0, 4));
            Assert.False(store.Content.Exists(expected.Digest), "invisible before commit");
            await writer.Stream.WriteAsync(data.AsMemory(4));
            var committed = await writer.CommitAsync("application/vnd.test");
            Assert.Equal(expected.Digest, committed.Digest);
            Assert.Equal(data.Length, committed.Size);
            Assert.Equal("application/vnd.test", committed.MediaType);
        }
        Assert.Equal(data, await File.ReadAllBytesAsync(store.Layout.BlobPath(expected.Digest)));
        Assert.Empty(store.IngestFiles());
        var info = await store.Content.GetInfoAsync(expected.Digest);
        Assert.Equal(data.Length, info!.Size);
        Assert.Equal(data, await store.Content.ReadAllAsync(expected));
    }

    [Fact]
    public async Task Commit_without_expectation_computes_the_descriptor()
    {
        using var store = new TestStore();
        var data = Bytes("anything");
        var d = await store.Content.PutAsync(data, "a/b");
        Assert.Equal(Digest.Compute(data), d.Digest);
        Assert.Equal(data.Length, d.Size);
        var listed = new List<ContentInfo>();
        await foreach (var info in store.Content.ListAsync()) listed.Add(info);
        Assert.Equal(d.Digest, Assert.Single(listed).Digest);
    }

    [Theory]
    [InlineData("wrong digest")]
    [InlineData("wrong size")]
    [InlineData("too long")]
    public async Task Mismatch_throws_and_leaves_nothing_in_blobs_or_ingest(string how)
    {
        using var store = new TestStore();
        var data = Bytes("the real content");
        var expected = how switch
        {
            "wrong digest" => new Descriptor { MediaType = "a/b", Digest = Digest.Compute(Bytes("other content!!!")), Size = data.Length },
            "wrong size" => new Descriptor { MediaType = "a/b", Digest = Digest.Compute(data), Size = data.Length + 1 },
            _ => new Descriptor { MediaType = "a/b", Digest = Digest.Compute(data[..^1]), Size = data.Length - 1 },
        };
        var before = store.Snapshot();
        await using (var writer = await store.Content.OpenWriterAsync(expected))
        {
            await writer.Stream.WriteAsync(data);
            await Assert.ThrowsAsync<DigestMismatchException>(async () => await writer.CommitAsync("a/b"));
        }
        Assert.Empty(store.BlobFiles());
        Assert.Empty(store.IngestFiles());
        Assert.Equal(before, store.Snapshot());
    }

    [Fact]
    public async Task Dispose_without_commit_abandons_the_write()
    {
        using var store = new TestStore();
        var before = store.Snapshot();
        await using (var writer = await store.Content.OpenWriterAsync())
        {
            await writer.Stream.WriteAsync(Bytes("abandoned"));
            Assert.Single(store.IngestFiles());
        }
        Assert.Empty(store.IngestFiles());
        Assert.Empty(store.BlobFiles());
        Assert.Equal(before, store.Snapshot());

        // sealed but not committed: still abandoned
        await using (var writer = await store.Content.OpenWriterAsync())
        {
            await writer.Stream.WriteAsync(Bytes("sealed only"));
            var d = await writer.SealAsync("a/b");
            await using (var back = writer.OpenSealed())
            {
                Assert.Equal("sealed only", await new StreamReader(back).ReadToEndAsync());
            }
            Assert.False(store.Content.Exists(d.Digest));
        }
        Assert.Equal(before, store.Snapshot());
    }

    [Fact]
    public async Task Concurrent_commits_of_the_same_blob_all_succeed_with_one_file()
    {
        using var store = new TestStore();
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("shared blob ", 10_000)));
        var expected = new Descriptor { MediaType = "a/b", Digest = Digest.Compute(data), Size = data.Length };
        using var start = new Barrier(8);
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await using var writer = await store.Content.OpenWriterAsync(expected);
            await writer.Stream.WriteAsync(data);
            await writer.SealAsync("a/b");
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            return await writer.CommitAsync("a/b");
        })).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, d => Assert.Equal(expected.Digest, d.Digest));
        Assert.Equal(data, await File.ReadAllBytesAsync(store.Layout.BlobPath(expected.Digest)));
        Assert.Single(store.BlobFiles());
        Assert.Empty(store.IngestFiles());
    }

    [Fact]
    public async Task Committing_twice_is_idempotent_and_an_existing_blob_is_kept()
    {
        using var store = new TestStore();
        var data = Bytes("once");
        var first = await store.Content.PutAsync(data, "a/b");
        var path = store.Layout.BlobPath(first.Digest);
        var written = File.GetLastWriteTimeUtc(path);
        await using (var writer = await store.Content.OpenWriterAsync())
        {
            await writer.Stream.WriteAsync(data);
            var a = await writer.CommitAsync("a/b");
            var b = await writer.CommitAsync("a/b");
            Assert.Equal(a, b);
        }
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Empty(store.IngestFiles());
    }

    [Fact]
    public async Task Reading_a_missing_blob_is_NotFound_and_Delete_reports_presence()
    {
        using var store = new TestStore();
        var d = new Descriptor { MediaType = "a/b", Digest = Digest.Compute(Bytes("nope")), Size = 4 };
        await Assert.ThrowsAsync<NotFoundException>(async () => await store.Content.OpenReadAsync(d));
        Assert.Null(await store.Content.GetInfoAsync(d.Digest));
        Assert.False(await store.Content.DeleteAsync(d.Digest));
        var put = await store.Content.PutAsync(Bytes("nope"), "a/b");
        Assert.True(await store.Content.DeleteAsync(put.Digest));
        Assert.False(store.Content.Exists(put.Digest));
    }

    [Fact]
    public async Task A_corrupted_blob_fails_when_read_to_the_end()
    {
        using var store = new TestStore();
        var d = await store.Content.PutAsync(Bytes("original bytes"), "a/b");
        await File.WriteAllBytesAsync(store.Layout.BlobPath(d.Digest), Bytes("tampered bytes"));
        await Assert.ThrowsAsync<DigestMismatchException>(async () => await store.Content.ReadAllAsync(d));
    }

    [Theory]
    [InlineData("original bytes plus more")]
    [InlineData("short")]
    [InlineData("")]
    public async Task A_blob_of_another_length_is_refused_when_read_whole(string content)
    {
        using var store = new TestStore();
        var d = await store.Content.PutAsync(Bytes("original bytes"), "a/b");
        await File.WriteAllBytesAsync(store.Layout.BlobPath(d.Digest), Bytes(content));
        var e = await Assert.ThrowsAsync<DigestMismatchException>(async () => await store.Content.ReadAllAsync(d));
        Assert.Contains("expected 14", e.Message);
    }

    [Fact]
    public async Task Foreign_files_are_listed_apart_and_not_as_content()
    {
        using var store = new TestStore();
        await File.WriteAllTextAsync(Path.Combine(store.Layout.BlobsDirectory, "sha256", "not-a-digest"), "x");
        var listed = new List<ContentInfo>();
        await foreach (var info in store.Content.ListAsync()) listed.Add(info);
        Assert.Empty(listed);
        Assert.Single(store.Content.ListForeignFiles());
    }

    [Fact]
    public void EnsureCreated_makes_an_oci_layout_and_is_idempotent()
    {
        using var store = new TestStore();
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(store.Layout.LayoutFile));
        var index = OciDocuments.ParseIndex(File.ReadAllBytes(store.Layout.IndexFile)).Value;
        Assert.Equal(MediaTypes.OciIndex, index.MediaType);
        Assert.Empty(index.Manifests);
        var before = store.Snapshot();
        new StoreLayout(store.Root).EnsureCreated();
        Assert.Equal(before, store.Snapshot());
        Assert.Empty(store.IngestFiles());
    }
}
