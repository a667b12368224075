using System.IO.Compression;

namespace Kist.Layers.Compression;

/// <summary>
/// Tells random or already compressed data from the rest before deflating it: deflate spends its full CPU on such data
/// and then stores it anyway. Storing it directly (level 0) runs at memory speed; the decision depends only on the
/// data, so the output stays deterministic.
/// </summary>
public static class CompressibilityProbe
{
    private const int SampleSize = 16 << 10;

    /// <summary>True when samples from the block's start and middle do not shrink at the fastest level.</summary>
    public static bool IsIncompressible(ReadOnlySpan<byte> block) =>
        block.Length >= 4 * SampleSize
        && !Shrinks(block.Slice(0, SampleSize))
        && !Shrinks(block.Slice(block.Length / 2, SampleSize));

    private static bool Shrinks(ReadOnlySpan<byte> sample)
    {
        using var ms = new MemoryStream(SampleSize + 1024);
        using (var deflate = new DeflateStream(ms, CompressionLevel.Fastest, leaveOpen: true)) deflate.Write(sample);
        return ms.Length < sample.Length * 0.97;
    }
}
