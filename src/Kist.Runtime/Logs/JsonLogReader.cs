using System.Text;
using System.Text.Json;

namespace Kist.Runtime.Logs;

/// <summary>Reads a json-file log: all entries, the last N, or following new ones as they are written.</summary>
public static class JsonLogReader
{
    /// <summary>
    /// The entries of <paramref name="path"/>; with <paramref name="follow"/>, keeps reading until
    /// <paramref name="stillWriting"/> says the writer is gone and the file has no more complete lines.
    /// </summary>
    public static async IAsyncEnumerable<LogEntry> ReadAsync(string path, int? tail, bool follow, Func<bool> stillWriting,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The writer makes the file with its first entry: following, wait for it as long as the writer runs (and look
        // once more when it has stopped, as it may have written just before).
        FileStream? file;
        while ((file = TryOpen(path, out bool missing)) is null)
        {
            if (!missing || !follow) yield break;
            if (!stillWriting())
            {
                file = TryOpen(path, out _);
                break;
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        if (file is null) yield break;
        await using var opened = file;
        var pending = new List<byte>();
        var buffer = new byte[1 << 16];
        var first = new List<LogEntry>();
        bool initial = true;
        while (true)
        {
            int n = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n > 0)
            {
                pending.AddRange(buffer.AsSpan(0, n));
                foreach (var entry in TakeLines(pending))
                {
                    if (initial) first.Add(entry);
                    else yield return entry;
                }
                continue;
            }
            if (initial)
            {
                initial = false;
                var shown = tail is { } t && t >= 0 ? first.Skip(Math.Max(0, first.Count - t)) : first;
                foreach (var entry in shown) yield return entry;
                first.Clear();
            }
            if (!follow) yield break;
            if (!stillWriting())
            {
                // One more read: the writer may have finished after our last one.
                n = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0) yield break;
                pending.AddRange(buffer.AsSpan(0, n));
                foreach (var entry in TakeLines(pending)) yield return entry;
                continue;
            }
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static FileStream? TryOpen(string path, out bool missing)
    {
        missing = false;
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16); }
        catch (FileNotFoundException) { missing = true; }
        catch (DirectoryNotFoundException) { }
        return null;
    }

    private static List<LogEntry> TakeLines(List<byte> pending)
    {
        var result = new List<LogEntry>();
        int start = 0;
        for (int i = 0; i < pending.Count; i++)
        {
            if (pending[i] != (byte)'\n') continue;
            var line = pending.GetRange(start, i - start).ToArray();
            start = i + 1;
            if (line.Length == 0) continue;
            try
            {
                if (JsonSerializer.Deserialize(line, LogJson.Default.LogEntry) is { } entry) result.Add(entry);
            }
            catch (JsonException) { /* a torn line from a crash: skip it */ }
        }
        pending.RemoveRange(0, start);
        return result;
    }

    public static string Text(LogEntry entry, bool timestamps) => timestamps ? entry.TimeText + " " + entry.Log : entry.Log;

    internal static readonly Encoding Utf8 = new UTF8Encoding(false);
}
