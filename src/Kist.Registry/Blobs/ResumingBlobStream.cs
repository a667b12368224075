using Kist.Oci;

namespace Kist.Registry.Blobs;

/// <summary>
/// A blob's body that survives broken connections: when a read fails or the body ends short, it asks
/// again from where it stopped (<c>Range: bytes=N-</c>) a few times before it gives up. It never yields
/// more than the blob's size; the digest is checked by whoever stores the bytes.
/// </summary>
internal sealed class ResumingBlobStream : Stream
{
    private const int MaxResumes = 5;
    private readonly Func<long, CancellationToken, Task<(HttpResponseMessage Response, Stream Body)>> _open;
    private readonly long _size;
    private readonly string _what;
    private HttpResponseMessage _response;
    private Stream _body;
    private long _position;
    private int _resumes;

    public ResumingBlobStream(HttpResponseMessage response, Stream body, long offset, long size, string what,
        Func<long, CancellationToken, Task<(HttpResponseMessage, Stream)>> open)
    {
        _response = response;
        _body = body;
        _position = offset;
        _size = size;
        _what = what;
        _open = open;
    }

    /// <summary>How many times the body was asked for again after a break.</summary>
    public int Resumes => _resumes;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _size;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            long left = _size - _position;
            int n;
            try
            {
                n = await _body.ReadAsync(left > 0 && left < buffer.Length ? buffer[..(int)left] : buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                await ResumeAsync(e, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (n > 0)
            {
                if (left <= 0) throw new DigestMismatchException($"{_what}: the registry sent more than the expected {_size} bytes");
                _position += n;
                return n;
            }
            if (_position >= _size) return 0;
            await ResumeAsync(null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ResumeAsync(Exception? cause, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (++_resumes > MaxResumes)
            {
                string why = cause?.Message ?? $"the body ended after {_position} of {_size} bytes";
                throw new RegistryException($"{_what}: the download broke off {MaxResumes + 1} times: {why}", 0, null, cause);
            }
            _body.Dispose();
            _response.Dispose();
            _body = Stream.Null;
            await Task.Delay(TimeSpan.FromMilliseconds(100 << Math.Min(_resumes, 5)), cancellationToken).ConfigureAwait(false);
            try
            {
                (_response, _body) = await _open(_position, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when ((e is IOException or HttpRequestException || e is RegistryException { StatusCode: 0 or >= 500 })
                                      && !cancellationToken.IsCancellationRequested)
            {
                cause = e;
            }
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }
        base.Dispose(disposing);
    }
}
