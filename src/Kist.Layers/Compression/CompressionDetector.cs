using Kist.Oci;

namespace Kist.Layers.Compression;

/// <summary>Recognises a layer's compression from its first bytes, as docker's DecompressStream does.</summary>
public static class CompressionDetector
{
    public const int MagicLength = 4;

    public static Oci.Compression Detect(ReadOnlySpan<byte> head) => head switch
    {
        [0x1f, 0x8b, 0x08, ..] => Oci.Compression.Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Oci.Compression.Zstd,
        _ => Oci.Compression.None,
    };

    /// <summary>
    /// Reads the first bytes of <paramref name="stream"/> to detect its compression, and returns a stream
    /// that yields the whole decompressed content (the peeked bytes included).
    /// </summary>
    public static async ValueTask<(Oci.Compression Compression, Stream Decompressed)> OpenDecompressedAsync(
        Stream stream, CancellationToken cancellationToken = default)
    {
        var head = new byte[MagicLength];
        int read = await stream.ReadAtLeastAsync(head, MagicLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var compression = Detect(head.AsSpan(0, read));
        Stream whole = new PrefixedStream(head.AsMemory(0, read), stream);
        return (compression, Decompress(whole, compression));
    }

    public static Stream Decompress(Stream stream, Oci.Compression compression) => compression switch
    {
        Oci.Compression.Gzip => new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionMode.Decompress),
        Oci.Compression.Zstd => new ZstdSharp.DecompressionStream(stream),
        _ => stream,
    };
}
