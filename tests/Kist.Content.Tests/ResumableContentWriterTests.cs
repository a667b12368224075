using System.Security.Cryptography;
using Kist.Content.Tests.Support;
using Kist.Oci;

namespace Kist.Content.Tests;

public class ResumableContentWriterTests
{
    private static (byte[] Bytes, Descriptor Descriptor) Blob(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        return (bytes, new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(bytes), Size = size });
    }

    [Fact]
    public async Task Abandoned_write_resumes_at_its_offset_and_commits_verified()
    {
        using var store = new TestStore();
        var (bytes, descriptor) = Blob(300_000);
        await using (var first = (await ResumableContentWriter.TryOpenAsync(store.Layout, descriptor))!)
        {
            Assert.Equal(0, first.Offset);
            await first.Stream.WriteAsync(bytes.AsMemory(0, 120_000));
            // A second writer of the same blob meanwhile is refused (it uses a private writer instead).
            Assert.Null(await ResumableContentWriter.TryOpenAsync(store.Layout, descriptor));
        }
        Assert.False(store.Content.Exists(descriptor.Digest));

        // Garbage collection keeps a recent partial download.
        await new GarbageCollector(store.Images).CollectAsync();
        await using (var second = (await ResumableContentWriter.TryOpenAsync(store.Layout, descriptor))!)
        {
            Assert.Equal(120_000, second.Offset);
            await second.Stream.WriteAsync(bytes.AsMemory(120_000));
            await second.CommitAsync(descriptor.MediaType);
        }
        Assert.Equal(bytes, await store.Content.ReadAllAsync(descriptor));
        Assert.Empty(Directory.GetFiles(store.Layout.IngestDirectory));
    }

    [Fact]
    public async Task Bad_bytes_are_never_committed_and_the_partial_file_is_dropped()
    {
        using var store = new TestStore();
        var (bytes, descriptor) = Blob(10_000);
        await using (var writer = (await ResumableContentWriter.TryOpenAsync(store.Layout, descriptor))!)
        {
            await writer.Stream.WriteAsync(RandomNumberGenerator.GetBytes(bytes.Length));
            await Assert.ThrowsAsync<DigestMismatchException>(async () => await writer.CommitAsync(descriptor.MediaType));
        }
        Assert.False(store.Content.Exists(descriptor.Digest));
        Assert.Empty(Directory.GetFiles(store.Layout.IngestDirectory));
    }
}
