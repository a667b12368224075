using System.Text;
using Kist.Runtime.Logs;

namespace Kist.Runtime.Monitor;

/// <summary>
/// Passes one output stream of the runtime on to the log (and to a terminal when attached), as its bytes are handed
/// over: by <see cref="RuntimeWatch"/>'s loop for a container, by <see cref="CopyAsync"/> for an exec. Until
/// <see cref="Release"/> the bytes are held back: before the container exists, what the runtime writes on stderr is
/// its own error.
/// </summary>
internal sealed class OutputPump(string stream, JsonLogWriter? log, Stream? attach, bool holdBack)
{
    private readonly MemoryStream _held = new();
    private readonly Lock _lock = new();
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _pending = new();
    private bool _holding = holdBack;

    /// <summary>Holds the bytes back or passes them on, in the order they came (held ones first).</summary>
    public void Accept(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            if (_holding) _held.Write(bytes);
            else Emit(bytes);
        }
    }

    /// <summary>Reads <paramref name="source"/> to its end, passing what it reads to <see cref="Accept"/>.</summary>
    public async Task CopyAsync(Stream source)
    {
        var buffer = new byte[16384];
        while (true)
        {
            int n;
            try { n = await source.ReadAsync(buffer).ConfigureAwait(false); }
            catch (IOException) { n = 0; }
            if (n == 0) break;
            Accept(buffer.AsSpan(0, n));
        }
    }

    /// <summary>Passes held-back output on (the container is running: it is the container's).</summary>
    public void Release()
    {
        lock (_lock)
        {
            if (!_holding) return;
            _holding = false;
            if (_held.Length > 0) Emit(_held.GetBuffer().AsSpan(0, (int)_held.Length));
        }
    }

    /// <summary>What was held back (the runtime's own message when the container never started).</summary>
    public string HeldText
    {
        get { lock (_lock) return Encoding.UTF8.GetString(_held.GetBuffer(), 0, (int)_held.Length); }
    }

    public void Finish()
    {
        if (log is null) return;
        lock (_lock) log.Write(stream, _pending, final: true);
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        if (attach is not null)
        {
            try { attach.Write(bytes); attach.Flush(); }
            catch (IOException) { /* the terminal went away: keep logging */ }
        }
        if (log is null) return;
        var chars = new char[_decoder.GetCharCount(bytes, flush: false)];
        _decoder.GetChars(bytes, chars, flush: false);
        _pending.Append(chars);
        log.Write(stream, _pending, final: false);
    }
}
