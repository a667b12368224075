using System.IO.Compression;
using System.Security.Cryptography;
using Kist.Oci;

namespace Kist.Layers.Compression;

/// <summary>The identities of a written layer: compressed digest and size, uncompressed diff ID and size.</summary>
public sealed record LayerDigests(Digest DiffId, long UncompressedSize, Digest Digest, long Size, Oci.Compression Compression)
{
    public string MediaType => MediaTypes.OciLayerFor(Compression);

    public Descriptor ToDescriptor() => new() { MediaType = MediaType, Digest = Digest, Size = Size };
}

/// <summary>
/// A write-only stream that takes an uncompressed layer tar and writes it compressed to an output, computing the
/// diff ID, the compressed digest and both sizes in the same single pass. Large layers are compressed in
/// independent blocks on all cores (gzip members / zstd frames, concatenated: valid for every gzip and zstd reader,
/// and deterministic for a given block size and level). Incompressible gzip blocks are stored, not deflated.
/// Given the output's own running digest (a content-store writer hashes what it stores), no byte is hashed twice.
/// </summary>
public sealed class CompressingStream : Stream
{
    public const int DefaultBlockSize = 1 << 20;
    private readonly Stream _output;
    private readonly Oci.Compression _compression;
    private readonly int _level;
    private readonly int _blockSize;
    private readonly int _maxInFlight;
    private readonly Func<Digest>? _outputDigest;
    // Uncompressed, the layer's bytes are the output's: one hash gives both the diff ID and the digest.
    private readonly IncrementalHash? _diffHash;
    private readonly IncrementalHash? _hash;
    private readonly Queue<Task<byte[]>> _inFlight = new();
    private byte[] _block;
    private int _filled;
    private long _uncompressed, _compressed;
    private LayerDigests? _result;

    /// <param name="level">gzip 1–9 (default 6, as gzip and pigz); zstd 1–19 (default 3).</param>
    /// <param name="outputDigest">The digest of what <paramref name="output"/> has been given so far, when it computes one.</param>
    public CompressingStream(Stream output, Oci.Compression compression, int? level = null, int blockSize = DefaultBlockSize,
        int? parallelism = null, Func<Digest>? outputDigest = null)
    {
        _output = output;
        _outputDigest = outputDigest;
        if (compression != Oci.Compression.None || outputDigest is null) _diffHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (compression != Oci.Compression.None && outputDigest is null) _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _compression = compression;
        _level = level ?? (compression == Oci.Compression.Zstd ? 3 : 6);
        _blockSize = blockSize;
        // A deep window lets the tar producer run ahead of the compressors (and ride out scheduling hiccups).
        _maxInFlight = Math.Max(1, parallelism ?? Environment.ProcessorCount) * 4;
        _block = new byte[compression == Oci.Compression.None ? 0 : blockSize];
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_result != null) throw new InvalidOperationException("layer already finished");
        _diffHash?.AppendData(buffer);
        _uncompressed += buffer.Length;
        if (_compression == Oci.Compression.None)
        {
            Emit(buffer);
            return;
        }
        while (buffer.Length > 0)
        {
            int n = Math.Min(buffer.Length, _blockSize - _filled);
            buffer[..n].CopyTo(_block.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == _blockSize) SubmitBlock();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    private void SubmitBlock()
    {
        var block = _block;
        int length = _filled;
        _inFlight.Enqueue(Task.Run(() => CompressBlock(block, length)));
        _block = new byte[_blockSize];
        _filled = 0;
        while (_inFlight.Count >= _maxInFlight || (_inFlight.Count > 0 && _inFlight.Peek().IsCompleted))
            Emit(_inFlight.Dequeue().GetAwaiter().GetResult());
    }

    private byte[] CompressBlock(byte[] data, int length)
    {
        if (_compression == Oci.Compression.Zstd)
        {
            using var c = new ZstdSharp.Compressor(_level);
            return c.Wrap(data.AsSpan(0, length)).ToArray();
        }
        int level = CompressibilityProbe.IsIncompressible(data.AsSpan(0, length)) ? 0 : _level;
        // Deflate never grows data by more than a few bytes per 16 KiB stored block: one allocation, no regrowth.
        using var ms = new MemoryStream(length + length / 1000 + 1024);
        using (var gz = new GZipStream(ms, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
            gz.Write(data, 0, length);
        return ms.Length == ms.Capacity ? ms.GetBuffer() : ms.ToArray();
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _hash?.AppendData(bytes);
        _compressed += bytes.Length;
        _output.Write(bytes);
    }

    /// <summary>Compresses what is buffered, writes it, and returns the layer's digests. Call once, after the tar's end.</summary>
    public LayerDigests Finish()
    {
        if (_result != null) return _result;
        if (_compression != Oci.Compression.None && (_filled > 0 || _uncompressed == 0)) SubmitBlock();
        while (_inFlight.Count > 0) Emit(_inFlight.Dequeue().GetAwaiter().GetResult());
        _output.Flush();
        var diffId = _diffHash is null ? _outputDigest!() : Digest.FromHash(Digest.Sha256, _diffHash.GetHashAndReset());
        var digest = _compression == Oci.Compression.None ? diffId
            : _hash is null ? _outputDigest!() : Digest.FromHash(Digest.Sha256, _hash.GetHashAndReset());
        _result = new LayerDigests(diffId, _uncompressed, digest, _compressed, _compression);
        return _result;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _uncompressed;
    public override long Position { get => _uncompressed; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var t in _inFlight) { try { t.Wait(); } catch (AggregateException) { } }
            _inFlight.Clear();
            _diffHash?.Dispose();
            _hash?.Dispose();
        }
        base.Dispose(disposing);
    }
}
