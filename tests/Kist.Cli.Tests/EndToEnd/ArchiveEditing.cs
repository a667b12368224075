using System.Formats.Tar;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>Makes damaged copies of archives: entries replaced, dropped or cut short.</summary>
public static class ArchiveEditing
{
    /// <summary>Copies a tar, letting <paramref name="edit"/> replace an entry's bytes (or drop it by returning null).</summary>
    public static void Rewrite(string source, string target, Func<string, byte[], byte[]?> edit)
    {
        using var input = File.OpenRead(source);
        using var reader = new TarReader(input);
        using var output = File.Create(target);
        using var writer = new TarWriter(output, TarEntryFormat.Pax);
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.EntryType != TarEntryType.RegularFile)
            {
                writer.WriteEntry(entry);
                continue;
            }
            var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            var replaced = edit(entry.Name, data.ToArray());
            if (replaced is null) continue;
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entry.Name) { DataStream = new MemoryStream(replaced) });
        }
    }

    /// <summary>The largest regular file of a tar: in a one-layer image archive, its layer.</summary>
    public static string LargestEntry(string archive)
    {
        using var input = File.OpenRead(archive);
        using var reader = new TarReader(input);
        string? largest = null;
        long size = -1;
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType == TarEntryType.RegularFile && entry.Length > size)
            {
                largest = entry.Name;
                size = entry.Length;
            }
        }
        return largest ?? throw new InvalidOperationException("empty archive");
    }
}
