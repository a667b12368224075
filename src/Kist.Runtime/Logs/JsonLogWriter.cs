using System.Text;
using System.Text.Json;

namespace Kist.Runtime.Logs;

/// <summary>
/// Appends a container's output to its log file in docker's json-file format: one JSON object per line of
/// output, a trailing partial line written when its stream ends. Safe for the stdout and stderr pumps at once.
/// The file is made with the first entry: a container that prints nothing has none, one file fewer to create and
/// delete for every such start (on this machine's ext4 a create or delete costs ~0.2 ms once many files were deleted
/// recently), and readers take a missing log as an empty one.
/// </summary>
public sealed class JsonLogWriter(string path) : IDisposable
{
    private FileStream? _file;
    private bool _containerRemoved;
    private readonly Lock _lock = new();

    /// <summary>
    /// The log file, made at the first entry; null once the container's directory is gone (an <c>--rm</c> container
    /// is removed as soon as its process has ended, while its last output may still be on its way: nobody can read
    /// that container's log any more).
    /// </summary>
    private FileStream? File
    {
        get
        {
            if (_file is not null || _containerRemoved) return _file;
            try { return _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096); }
            catch (DirectoryNotFoundException)
            {
                _containerRemoved = true;
                return null;
            }
        }
    }

    /// <summary>Writes complete lines of <paramref name="pending"/> (text so far of this stream) and keeps the rest.</summary>
    public void Write(string stream, StringBuilder pending, bool final)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            string text = pending.ToString();
            int start = 0;
            for (int nl = text.IndexOf('\n'); nl >= 0; nl = text.IndexOf('\n', start))
            {
                WriteEntry(new LogEntry(text[start..(nl + 1)], stream, now));
                start = nl + 1;
            }
            if (final && start < text.Length)
            {
                WriteEntry(new LogEntry(text[start..], stream, now));
                start = text.Length;
            }
            pending.Remove(0, start);
            _file?.Flush();
        }
    }

    private void WriteEntry(LogEntry entry)
    {
        if (File is not { } file) return;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, LogJson.Default.LogEntry);
        file.Write(bytes);
        file.WriteByte((byte)'\n');
    }

    public void Dispose() => _file?.Dispose();
}
