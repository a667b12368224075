using Kist.Layers.Native;
using Kist.Runtime.Native;
using Kist.Runtime.State;

namespace Kist.Runtime.Bundle;

/// <summary>
/// The bundle's config.json as a FIFO, so that the runtime starts before the bundle is ready: runc spends ~9 ms
/// starting (its Go runtime, libseccomp) before it opens config.json, and kist mounts the rootfs and builds the spec
/// meanwhile, then writes the spec into the FIFO. A regular config.json with the same bytes then replaces the FIFO
/// for whoever reads the bundle later (a runtime that opens config.json only after that reads the file).
/// <para>
/// Kist holds the FIFO open for reading and writing from before the runtime starts, so the runtime's open never
/// waits for a writer while kist lives, and the spec stays in the FIFO until the runtime reads it. It is closed once
/// the runtime has read it all (crun reads to the end of the file: it needs the close), or when the container has
/// started or the runtime has exited. A runtime whose kist died before it opened the FIFO waits for a writer:
/// <see cref="Release"/> ends that wait.
/// </para>
/// </summary>
internal sealed class ConfigFifo : IDisposable
{
    public const string FileName = "config.json";
    private const int EAGAIN = 11, O_RDWR = 2;

    private readonly string _path;
    private int _fd;
    private bool _sent;

    private ConfigFifo(string path, int fd)
    {
        _path = path;
        _fd = fd;
    }

    /// <summary>Replaces the bundle's config.json (left by an earlier start) with a new FIFO, held open.</summary>
    public static ConfigFifo Create(string bundle)
    {
        string path = Path.Combine(bundle, FileName);
        File.Delete(path);
        if (Libc.MknodAt(Libc.AT_FDCWD, path, Libc.S_IFIFO | 0x180, 0) != 0) throw new NativeException("mkfifo", path, Libc.Errno);
        int fd = Libc.OpenAt(Libc.AT_FDCWD, path, O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            File.Delete(path);
            throw new NativeException("open", path, errno);
        }
        return new ConfigFifo(path, fd);
    }

    /// <summary>
    /// Writes the spec into the FIFO, then puts a regular config.json with the same bytes in its place. A spec larger
    /// than the FIFO's buffer (64 KiB) is written as the runtime reads it, unless <paramref name="runtimeExited"/>
    /// completes first: then there is nobody left to read it.
    /// </summary>
    public async Task SendAsync(byte[] spec, Task runtimeExited)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        for (int offset = 0; offset < spec.Length && !runtimeExited.IsCompleted;)
        {
            nint written = Write(spec, offset);
            if (written >= 0) offset += (int)written;
            else if (Libc.Errno is var errno && errno != EAGAIN) throw new NativeException("write", _path, errno);
            else await Task.WhenAny(runtimeExited, Task.Delay(1)).ConfigureAwait(false);
        }
        _sent = true;
        AtomicFile.Write(_path, spec);
    }

    /// <summary>Closes the FIFO once the runtime has read all of the spec from it (the runtime then sees its end).</summary>
    public void CloseIfRead()
    {
        if (_fd >= 0 && _sent && Sys.BytesToRead(_fd) == 0) Close();
    }

    /// <summary>Closes the FIFO; one whose spec was never sent is removed, so that nothing waits on it later.</summary>
    public void Dispose()
    {
        Close();
        if (!_sent) Remove(_path);
    }

    /// <summary>
    /// For a container whose monitor died: a runtime that was waiting to open the FIFO is woken (it reads an empty
    /// config.json, fails and exits, having made nothing), and the FIFO is removed.
    /// </summary>
    public static void Release(string bundle)
    {
        string path = Path.Combine(bundle, FileName);
        if (FileStat.TryLstat(Libc.AT_FDCWD, path) is not { Type: Libc.S_IFIFO }) return;
        int fd = Libc.OpenAt(Libc.AT_FDCWD, path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0); // fails when nobody waits
        if (fd >= 0) Libc.Close(fd);
        Remove(path);
    }

    private unsafe nint Write(byte[] spec, int offset)
    {
        fixed (byte* bytes = spec) return Libc.Write(_fd, bytes + offset, spec.Length - offset);
    }

    private void Close()
    {
        if (_fd < 0) return;
        Libc.Close(_fd);
        _fd = -1;
    }

    private static void Remove(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }
}
