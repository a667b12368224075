using Kist.Content;
using Kist.Oci;
using Xunit;

namespace Kist.Content.Tests;

public sealed class PipelinedCopyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1 << 20)]
    [InlineData((3 << 20) + 12345)]
    public async Task Copies_every_byte_in_order_and_the_digest_matches(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        using var source = new TrickleStream(bytes, maxRead: 70_001);
        using var target = new MemoryStream();
        await using var digesting = new DigestingWriteStream(target, leaveOpen: true);

        long copied = await PipelinedCopy.CopyAsync(source, digesting);

        Assert.Equal(length, copied);
        Assert.Equal(bytes, target.ToArray());
        Assert.Equal(Digest.Compute(bytes), digesting.GetDigest());
    }

    [Fact]
    public async Task A_failing_write_surfaces_its_error()
    {
        using var source = new MemoryStream(new byte[3 << 20]);
        await Assert.ThrowsAsync<IOException>(() => PipelinedCopy.CopyAsync(source, new FailingStream()));
    }

    /// <summary>Returns at most <c>maxRead</c> bytes per read, as network and tar streams do.</summary>
    private sealed class TrickleStream(byte[] bytes, int maxRead) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, maxRead));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, maxRead)], cancellationToken);
    }

    private sealed class FailingStream : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("disk full"));
    }
}
