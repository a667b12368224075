using System.Formats.Tar;
using Kist.Oci;

namespace Kist.Content.Archives;

/// <summary>
/// Every regular file of an archive, written to the store's ingest area and verified but not yet
/// visible. Only the blobs that the loaded images reference are committed; the rest is discarded.
/// </summary>
internal sealed class StagedArchive : IAsyncDisposable
{
    private const int MaxEntries = 1_000_000;
    private const int MaxLinkDepth = 16;

    private readonly Dictionary<string, StagedFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

    public sealed record StagedFile(string Path, IContentWriter Writer, Descriptor Descriptor);

    public static async Task<StagedArchive> ReadAsync(Stream tarStream, LocalContentStore content, CancellationToken cancellationToken)
    {
        var staged = new StagedArchive();
        try
        {
            await staged.ReadEntriesAsync(tarStream, content, cancellationToken).ConfigureAwait(false);
            return staged;
        }
        catch
        {
            await staged.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReadEntriesAsync(Stream tarStream, LocalContentStore content, CancellationToken cancellationToken)
    {
        await using var reader = new TarReader(tarStream, leaveOpen: true);
        int count = 0;
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
            {
                throw new InvalidInputException(count == 0 ? "the input is not a tar archive" : $"the archive is truncated or corrupt: {e.Message}", e);
            }
            if (entry is null) break;
            if (++count > MaxEntries) throw new InvalidInputException($"the archive has more than {MaxEntries} entries");
            string name = CleanName(entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    await StageAsync(name, entry, content, cancellationToken).ConfigureAwait(false);
                    break;
                case TarEntryType.SymbolicLink:
                    // Old docker saves link a shared layer.tar to the first copy: ../<id>/layer.tar
                    _links[name] = CleanName(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(name) ?? "", entry.LinkName));
                    break;
                case TarEntryType.HardLink:
                    _links[name] = CleanName(entry.LinkName);
                    break;
                default:
                    throw new InvalidInputException($"unexpected {entry.EntryType} entry \"{name}\" in an image archive");
            }
        }
        if (count == 0) throw new InvalidInputException("the input is not a tar archive, or is empty");
    }

    private async Task StageAsync(string name, TarEntry entry, LocalContentStore content, CancellationToken cancellationToken)
    {
        // blobs/ALGORITHM/ENCODED names its own digest: verify it while staging.
        Descriptor? expected = null;
        var parts = name.Split('/');
        if (parts is ["blobs", var algorithm, var encoded] && Digest.TryParse(algorithm + ":" + encoded, out var digest))
        {
            expected = new Descriptor { MediaType = "application/octet-stream", Digest = digest, Size = entry.Length };
        }
        var writer = await content.OpenWriterAsync(expected, cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.DataStream is { } data)
            {
                await PipelinedCopy.CopyAsync(data, writer.Stream, cancellationToken).ConfigureAwait(false);
            }
            if (writer.Stream.Length != entry.Length)
            {
                throw new InvalidInputException($"the archive is truncated: \"{name}\" has {writer.Stream.Length} of {entry.Length} bytes");
            }
            var descriptor = await writer.SealAsync("application/octet-stream", cancellationToken).ConfigureAwait(false);
            if (_files.Remove(name, out var replaced)) await replaced.Writer.DisposeAsync().ConfigureAwait(false);
            _files[name] = new StagedFile(name, writer, descriptor);
        }
        catch (EndOfStreamException e)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw new InvalidInputException($"the archive is truncated in \"{name}\"", e);
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Archive names are relative paths inside the archive; anything else is refused.</summary>
    private static string CleanName(string name)
    {
        var parts = new List<string>();
        foreach (var part in name.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) throw new InvalidInputException($"archive entry \"{name}\" points outside the archive");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    public bool Contains(string path) => TryGet(path) is not null;

    public StagedFile? TryGet(string path)
    {
        string current = CleanName(path);
        for (int depth = 0; depth <= MaxLinkDepth; depth++)
        {
            if (_files.TryGetValue(current, out var file)) return file;
            if (!_links.TryGetValue(current, out var target)) return null;
            current = target;
        }
        return null;
    }

    public StagedFile Get(string path, string what) =>
        TryGet(path) ?? throw new InvalidInputException($"the archive has no {what} \"{path}\"");

    public StagedFile? TryGetBlob(Digest digest) => TryGet($"blobs/{digest.Algorithm}/{digest.Encoded}");

    /// <summary>Reads a staged JSON document (bounded in size).</summary>
    public async Task<byte[]> ReadSmallAsync(StagedFile file, CancellationToken cancellationToken)
    {
        const int limit = 16 * 1024 * 1024;
        if (file.Descriptor.Size > limit) throw new InvalidInputException($"\"{file.Path}\" is too large ({file.Descriptor.Size} bytes)");
        await using var stream = file.Writer.OpenSealed();
        var bytes = new byte[file.Descriptor.Size];
        await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var file in _files.Values) await file.Writer.DisposeAsync().ConfigureAwait(false);
        _files.Clear();
    }
}
