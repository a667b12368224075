using System.Text;
using Kist.Runtime.Logs;

namespace Kist.Runtime.Monitor;

/// <summary>
/// Copies one output stream of the runtime to the log (and to a terminal when attached). Until <see cref="Release"/>
/// the bytes are held back: before the container exists, what the runtime writes on stderr is its own error.
/// </summary>
internal sealed class OutputPump(Stream source, string stream, JsonLogWriter? log, Stream? attach, bool holdBack)
{
    private readonly MemoryStream _held = new();
    private readonly Lock _lock = new();
    private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
    private readonly StringBuilder _pending = new();
    private bool _holding = holdBack;

    public async Task RunAsync()
    {
        var buffer = new byte[16384];
        while (true)
        {
            int n;
            try { n = await source.ReadAsync(buffer).ConfigureAwait(false); }
            catch (IOException) { n = 0; }
            if (n == 0) break;
            lock (_lock)
            {
                if (_holding) { _held.Write(buffer, 0, n); continue; }
            }
            Emit(buffer.AsSpan(0, n), final: false);
        }
    }

    /// <summary>Passes held-back output on (the container is running: it is the container's).</summary>
    public void Release()
    {
        byte[] held;
        lock (_lock)
        {
            if (!_holding) return;
            _holding = false;
            held = _held.ToArray();
        }
        if (held.Length > 0) Emit(held, final: false);
    }

    /// <summary>What was held back (the runtime's own message when the container never started).</summary>
    public string HeldText
    {
        get { lock (_lock) return Encoding.UTF8.GetString(_held.ToArray()); }
    }

    public void Finish()
    {
        if (log is null) return;
        lock (_pending) log.Write(stream, _pending, final: true);
    }

    private void Emit(ReadOnlySpan<byte> bytes, bool final)
    {
        if (attach is not null)
        {
            try { attach.Write(bytes); attach.Flush(); }
            catch (IOException) { /* the terminal went away: keep logging */ }
        }
        if (log is null) return;
        lock (_pending)
        {
            var chars = new char[_decoder.GetCharCount(bytes, final)];
            _decoder.GetChars(bytes, chars, final);
            _pending.Append(chars);
            log.Write(stream, _pending, final);
        }
    }
}
