using System.Diagnostics;
using Kist.Oci;

namespace Kist.Build.Copy.Archives;

/// <summary>The output of <c>TOOL -dc</c> fed from a stream in the background: a decoder the runtime lacks.</summary>
internal sealed class ProcessDecompressStream : Stream
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Task _feeder;
    private readonly string _tool;
    private readonly CancellationTokenSource _cts;

    private ProcessDecompressStream(Process process, Stream input, string tool, CancellationToken cancellationToken)
    {
        _process = process;
        _input = input;
        _tool = tool;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _feeder = Task.Run(FeedAsync);
    }

    public static Stream Start(string tool, Stream input, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(tool, ["-dc"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process process;
        try { process = Process.Start(info) ?? throw new InvalidInputException($"cannot start {tool}"); }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidInputException($"decompressing needs the {tool} program: {e.Message}"); }
        return new ProcessDecompressStream(process, input, tool, cancellationToken);
    }

    private async Task FeedAsync()
    {
        try
        {
            await _input.CopyToAsync(_process.StandardInput.BaseStream, _cts.Token).ConfigureAwait(false);
        }
        catch (IOException) { } // the tool stopped reading (bad data): its exit code tells
        finally
        {
            try { _process.StandardInput.Close(); } catch (IOException) { }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _process.StandardOutput.BaseStream.Read(buffer);
        if (n == 0 && buffer.Length > 0) CheckExit();
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _process.StandardOutput.BaseStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n == 0 && buffer.Length > 0) CheckExit();
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void CheckExit()
    {
        _process.WaitForExit();
        if (_process.ExitCode != 0)
        {
            var err = _process.StandardError.ReadToEnd().Trim();
            throw new InvalidInputException($"{_tool}: invalid compressed data{(err.Length > 0 ? ": " + err : "")}");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cts.Cancel();
            try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
            try { _feeder.Wait(); } catch (AggregateException) { }
            _process.Dispose();
            _input.Dispose();
            _cts.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
