using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace Kist.Layers.Streams;

/// <summary>
/// Reads a source (typically a decompressor) on a background thread, hashing what it reads, so that decompression
/// and hashing run on one core while the consumer (tar parsing and file writing) runs on another.
/// </summary>
public sealed class ReadAheadStream : Stream
{
    private const int ChunkSize = 1 << 20;
    private readonly Channel<(byte[] Buffer, int Length)> _channel = Channel.CreateBounded<(byte[], int)>(
        new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cts;
    private readonly Task _producer;
    private readonly IncrementalHash? _hash;
    private byte[]? _current;
    private int _offset, _length;
    private bool _done;

    public ReadAheadStream(Stream source, IncrementalHash? hash, CancellationToken cancellationToken = default)
    {
        _hash = hash;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _producer = Task.Factory.StartNew(() => Produce(source), _cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Bytes read from the source so far.</summary>
    public long BytesRead { get; private set; }

    private async Task Produce(Stream source)
    {
        var token = _cts.Token;
        try
        {
            while (true)
            {
                var buf = ArrayPool<byte>.Shared.Rent(ChunkSize);
                int n = source.ReadAtLeast(buf.AsSpan(0, ChunkSize), ChunkSize, throwOnEndOfStream: false);
                if (n == 0) { ArrayPool<byte>.Shared.Return(buf); break; }
                _hash?.AppendData(buf, 0, n);
                BytesRead += n;
                await _channel.Writer.WriteAsync((buf, n), token).ConfigureAwait(false);
                if (n < ChunkSize) break;
            }
            _channel.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _channel.Writer.TryComplete(ex);
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0) return 0;
        while (_current is null || _offset == _length)
        {
            if (_done) return 0;
            if (_current != null) { ArrayPool<byte>.Shared.Return(_current); _current = null; }
            var reader = _channel.Reader;
            if (!reader.TryRead(out var item))
            {
                try
                {
                    if (!reader.WaitToReadAsync(_cts.Token).AsTask().GetAwaiter().GetResult()) { _done = true; reader.Completion.GetAwaiter().GetResult(); return 0; }
                }
                catch (ChannelClosedException e) when (e.InnerException != null) { throw e.InnerException; }
                continue;
            }
            (_current, _length) = item;
            _offset = 0;
        }
        int n = Math.Min(buffer.Length, _length - _offset);
        _current.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cts.Cancel();
            try { _producer.Wait(); } catch (AggregateException) { }
            while (_channel.Reader.TryRead(out var item)) ArrayPool<byte>.Shared.Return(item.Buffer);
            if (_current != null) { ArrayPool<byte>.Shared.Return(_current); _current = null; }
            _cts.Dispose();
        }
        base.Dispose(disposing);
    }
}
