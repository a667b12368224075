using System.Text;
using Kist.Oci;

namespace Kist.Content.Tests;

public class VerifyingReadStreamTests
{
    private static readonly byte[] Data = Encoding.UTF8.GetBytes("0123456789abcdef");

    private static VerifyingReadStream Open(byte[] actual, Digest expected, long size) =>
        new(new MemoryStream(actual), expected, size, "blob under test");

    [Fact]
    public async Task Matching_content_reads_to_the_end()
    {
        await using var s = Open(Data, Digest.Compute(Data), Data.Length);
        Assert.Equal(Data.Length, s.Length);
        var output = new MemoryStream();
        await s.CopyToAsync(output, 3);
        Assert.Equal(Data, output.ToArray());
        Assert.Equal(0, await s.ReadAsync(new byte[4])); // reading again at the end stays quiet
    }

    [Fact]
    public void Synchronous_reads_verify_too()
    {
        using var s = Open(Data, Digest.Compute(Data), Data.Length);
        s.CopyTo(Stream.Null);
        using var bad = Open(Data[..^1], Digest.Compute(Data), Data.Length);
        Assert.Throws<DigestMismatchException>(() => bad.CopyTo(Stream.Null));
    }

    [Fact]
    public async Task Truncated_content_throws_at_the_end()
    {
        await using var s = Open(Data[..10], Digest.Compute(Data), Data.Length);
        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => s.CopyToAsync(Stream.Null));
        Assert.Contains("10 bytes, expected 16", e.Message);
    }

    [Fact]
    public async Task Extra_bytes_throw_as_soon_as_they_arrive()
    {
        var longer = Data.Concat("!"u8.ToArray()).ToArray();
        await using var s = Open(longer, Digest.Compute(Data), Data.Length);
        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => s.CopyToAsync(Stream.Null));
        Assert.Contains("more than the expected 16 bytes", e.Message);
    }

    [Fact]
    public async Task Same_size_other_bytes_throw_a_digest_mismatch()
    {
        var other = Encoding.UTF8.GetBytes("0123456789abcdeX");
        await using var s = Open(other, Digest.Compute(Data), Data.Length);
        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => s.CopyToAsync(Stream.Null));
        Assert.Contains("does not match", e.Message);
    }

    [Fact]
    public async Task Sha512_descriptors_are_verified_with_sha512()
    {
        var d = Digest.FromHash(Digest.Sha512, System.Security.Cryptography.SHA512.HashData(Data));
        await using var s = Open(Data, d, Data.Length);
        await s.CopyToAsync(Stream.Null);
    }

    [Fact]
    public async Task An_empty_read_buffer_is_not_the_end_of_the_stream()
    {
        await using var s = Open(Data, Digest.Compute(Data), Data.Length);
        Assert.Equal(0, await s.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(0, s.Read(Span<byte>.Empty));
        var output = new MemoryStream();
        await s.CopyToAsync(output);
        Assert.Equal(Data, output.ToArray());
    }

    [Fact]
    public void It_is_read_only_and_seeks_only_to_where_it_is()
    {
        using var s = Open(Data, Digest.Compute(Data), Data.Length);
        Assert.True(s.CanRead);
        Assert.False(s.CanWrite);
        Assert.Equal(0, s.Seek(0, SeekOrigin.Begin));
        Assert.Equal(3, s.Read(new byte[3], 0, 3));
        Assert.Equal(3, s.Seek(0, SeekOrigin.Current));
        Assert.Throws<NotSupportedException>(() => s.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => s.Position = 1);
        Assert.Throws<NotSupportedException>(() => s.Write(new byte[1], 0, 1));
    }
}
