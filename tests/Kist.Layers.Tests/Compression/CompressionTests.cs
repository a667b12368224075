using System.Diagnostics;
using System.Security.Cryptography;
using Kist.Layers.Compression;
using Kist.Oci;

namespace Kist.Layers.Tests.Compression;

public sealed class CompressionTests
{
    private static byte[] Data(int size, int seed)
    {
        var rnd = new Random(seed);
        var data = new byte[size];
        // Compressible but not trivial: random words.
        for (int i = 0; i < size; i++) data[i] = (byte)"abcdefghij \n"[rnd.Next(12)];
        return data;
    }

    [Theory]
    [InlineData(Oci.Compression.Gzip, 100)]
    [InlineData(Oci.Compression.Gzip, 5_000_000)]
    [InlineData(Oci.Compression.Zstd, 100)]
    [InlineData(Oci.Compression.Zstd, 5_000_000)]
    [InlineData(Oci.Compression.None, 3_000_000)]
    public void OnePassDigestsMatchTheBytes(Oci.Compression compression, int size)
    {
        var data = Data(size, size);
        var output = new MemoryStream();
        LayerDigests d;
        using (var c = new CompressingStream(output, compression, blockSize: 1 << 20))
        {
            for (int off = 0; off < data.Length; off += 70_001) c.Write(data.AsSpan(off, Math.Min(70_001, data.Length - off)));
            d = c.Finish();
        }
        var compressed = output.ToArray();
        Assert.Equal(Digest.Compute(data), d.DiffId);
        Assert.Equal(data.Length, d.UncompressedSize);
        Assert.Equal(Digest.Compute(compressed), d.Digest);
        Assert.Equal(compressed.Length, d.Size);
        Assert.Equal(compression, CompressionDetector.Detect(compressed));
        if (compression != Oci.Compression.None && size > 1000) Assert.True(compressed.Length < data.Length * 6 / 10, $"{compressed.Length} of {data.Length}");
        using var back = CompressionDetector.Decompress(new MemoryStream(compressed), compression);
        var roundtrip = new MemoryStream();
        back.CopyTo(roundtrip);
        Assert.Equal(data, roundtrip.ToArray());
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        var data = Data(4_000_000, 7);
        byte[] Run() { var o = new MemoryStream(); using var c = new CompressingStream(o, Oci.Compression.Gzip); c.Write(data); c.Finish(); return o.ToArray(); }
        Assert.Equal(Run(), Run());
    }

    [Theory]
    [InlineData(Oci.Compression.Gzip, "gzip")]
    [InlineData(Oci.Compression.Zstd, "zstd")]
    public void MultiBlockOutputIsReadByTheRealTools(Oci.Compression compression, string tool)
    {
        var data = Data(3_500_000, 3);
        var path = Path.GetTempFileName();
        try
        {
            using (var f = File.Create(path))
            using (var c = new CompressingStream(f, compression, blockSize: 1 << 20)) { c.Write(data); c.Finish(); }
            var psi = new ProcessStartInfo(tool, ["-dc", path]) { RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(ms.ToArray()));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TheProbeTellsRandomDataFromText()
    {
        var random = new byte[1 << 20];
        new Random(5).NextBytes(random);
        Assert.True(CompressibilityProbe.IsIncompressible(random));
        Assert.False(CompressibilityProbe.IsIncompressible(Data(1 << 20, 6)));
        // Random at the start only, text in the middle: deflate it.
        var mixed = Data(1 << 20, 7);
        random.AsSpan(0, 1 << 16).CopyTo(mixed);
        Assert.False(CompressibilityProbe.IsIncompressible(mixed));
        Assert.False(CompressibilityProbe.IsIncompressible(random.AsSpan(0, 1000)));
    }

    [Fact]
    public void IncompressibleBlocksAreStoredAndTheRestCompressed()
    {
        // Block 1 random (as /dev/urandom or an already compressed file), block 2 text: stored, then deflated.
        var data = new byte[2 << 20];
        new Random(5).NextBytes(data.AsSpan(0, 1 << 20));
        Data(1 << 20, 6).CopyTo(data.AsSpan(1 << 20));
        var output = new MemoryStream();
        using (var c = new CompressingStream(output, Oci.Compression.Gzip, blockSize: 1 << 20)) { c.Write(data); c.Finish(); }
        var compressed = output.ToArray();
        // Stored deflate costs 5 bytes per 64 KiB; the text half shrinks to well under half.
        Assert.InRange(compressed.Length, (1 << 20) + 16, (1 << 20) + (1 << 19));
        using var back = CompressionDetector.Decompress(new MemoryStream(compressed), Oci.Compression.Gzip);
        var roundtrip = new MemoryStream();
        back.CopyTo(roundtrip);
        Assert.Equal(data, roundtrip.ToArray());
    }

    [Theory]
    [InlineData(Oci.Compression.Gzip)]
    [InlineData(Oci.Compression.None)]
    public void Given_the_outputs_digest_the_bytes_are_hashed_once_and_the_digests_still_match(Oci.Compression compression)
    {
        var data = Data(3_000_000, 11);
        var output = new MemoryStream();
        int asked = 0;
        LayerDigests d;
        using (var c = new CompressingStream(output, compression, outputDigest: () => { asked++; return Digest.Compute(output.ToArray()); }))
        {
            c.Write(data);
            d = c.Finish();
        }
        Assert.Equal(Digest.Compute(data), d.DiffId);
        Assert.Equal(Digest.Compute(output.ToArray()), d.Digest);
        Assert.Equal(1, asked);
        if (compression == Oci.Compression.None) Assert.Equal(d.DiffId, d.Digest);
    }
}
