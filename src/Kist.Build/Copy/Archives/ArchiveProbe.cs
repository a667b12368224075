using Kist.Layers.Apply;

namespace Kist.Build.Copy.Archives;

/// <summary>docker's isArchivePath: a file is an archive when, decompressed, it starts with a valid tar header.</summary>
public static class ArchiveProbe
{
    internal static async Task<bool> IsArchiveAsync(RootedTree tree, string phys, CancellationToken cancellationToken)
    {
        var handle = ContentHasher.OpenRead(tree, phys);
        var (_, content) = await ArchiveDecompressor.OpenAsync(new FileStream(handle, FileAccess.Read, 0), cancellationToken).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            var header = new byte[512];
            try
            {
                int n = await content.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                return n == header.Length && IsTarHeader(header);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or Oci.InvalidInputException) { return false; }
        }
    }

    /// <summary>A non-zero block whose checksum field matches (unsigned or signed sum, as Go's archive/tar accepts).</summary>
    public static bool IsTarHeader(ReadOnlySpan<byte> block)
    {
        if (block.Length < 512) return false;
        long unsigned = 0, signed = 0;
        bool zero = true;
        for (int i = 0; i < 512; i++)
        {
            byte b = i is >= 148 and < 156 ? (byte)' ' : block[i];
            if (block[i] != 0) zero = false;
            unsigned += b;
            signed += (sbyte)b;
        }
        if (zero) return false;
        var field = block.Slice(148, 8);
        long stored = 0;
        bool digits = false;
        foreach (var c in field)
        {
            if (c is (byte)' ' or 0) { if (digits) break; continue; }
            if (c is < (byte)'0' or > (byte)'7') return false;
            stored = stored * 8 + (c - '0');
            digits = true;
        }
        return digits && (stored == unsigned || stored == signed);
    }
}
