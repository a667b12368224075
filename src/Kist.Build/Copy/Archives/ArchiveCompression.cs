using Kist.Layers.Compression;

namespace Kist.Build.Copy.Archives;

/// <summary>The compressions docker's DecompressStream recognises for ADD and build-context tars, detected by content.</summary>
public enum ArchiveCompression { None, Gzip, Bzip2, Xz, Zstd }

/// <summary>Detects a compression from the first bytes and opens a decompressing stream over the whole input.</summary>
public static class ArchiveDecompressor
{
    private const int HeadLength = 6;

    public static ArchiveCompression Detect(ReadOnlySpan<byte> head) => head switch
    {
        [0x1f, 0x8b, 0x08, ..] => ArchiveCompression.Gzip,
        [0x42, 0x5a, 0x68, ..] => ArchiveCompression.Bzip2,
        [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, ..] => ArchiveCompression.Xz,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => ArchiveCompression.Zstd,
        _ => ArchiveCompression.None,
    };

    /// <summary>Reads the first bytes of <paramref name="stream"/> and returns a stream of the decompressed content.
    /// Disposing the result disposes <paramref name="stream"/>.</summary>
    public static async Task<(ArchiveCompression Compression, Stream Content)> OpenAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var head = new byte[HeadLength];
        int read = await stream.ReadAtLeastAsync(head, HeadLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var compression = Detect(head.AsSpan(0, read));
        Stream whole = new PrefixedStream(head.AsMemory(0, read), stream);
        Stream content = compression switch
        {
            ArchiveCompression.Gzip => CompressionDetector.Decompress(whole, Oci.Compression.Gzip),
            ArchiveCompression.Zstd => CompressionDetector.Decompress(whole, Oci.Compression.Zstd),
            // .NET has no bzip2 or xz decoder: the system's tools decode them (bzip2 and xz-utils, see scripts/setup.sh).
            ArchiveCompression.Bzip2 => ProcessDecompressStream.Start("bzip2", whole, cancellationToken),
            ArchiveCompression.Xz => ProcessDecompressStream.Start("xz", whole, cancellationToken),
            _ => whole,
        };
        return (compression, content);
    }
}
