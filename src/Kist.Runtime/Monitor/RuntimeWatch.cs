using System.Runtime.InteropServices;
using Kist.Layers.Native;
using Kist.Runtime.Execution;
using Kist.Runtime.Native;

namespace Kist.Runtime.Monitor;

/// <summary>
/// Watches a runtime that runs a container from a thread of its own, in one poll loop over pidfds and the runtime's
/// output (as conmon does): it learns when the container's process exists (the runtime's pid file), when that process
/// has ended and when the runtime has exited, with its exit code, and copies the output to its pumps. The thread
/// starts before the runtime is spawned and, once it has let the grace period of the runtime's cgroup moves pass (and
/// until the container's process exists, keeps it passed: see <see cref="CgroupMoveWarmup"/>), waits for its pid.
/// <para>
/// It replaces a timer's polling of the pid file, the thread pool's wait thread for the runtime's exit, a pool
/// thread blocked on the container's exit and the pipes' asynchronous reads: the first two were threads to start at
/// every run (the timer's ~0.3 ms, with its per-core queues' calibration), the runtime's exit reached kist through
/// SIGCHLD's thread, the wait thread and a pool thread, ~1 ms after it happened, and an asynchronous read of a pipe
/// starts .NET's socket engine, whose thread's start spins on the other core while runc starts there.
/// </para>
/// </summary>
internal sealed class RuntimeWatch : IDisposable
{
    /// <summary>How often the pid file is looked for while the container starts.</summary>
    private const int PidFilePollMilliseconds = 1;
    private const short POLLHUP = 0x10;

    private readonly string _pidFile;
    private readonly Func<Task>? _onEnded;
    private readonly ManualResetEventSlim _spawned = new();
    private readonly TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int?> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Task> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputsClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Output> _outputs = [];
    private int _runtimePid;
    private volatile Action? _lookForPid;

    private RuntimeWatch(string pidFile, Func<Task>? onEnded)
    {
        _pidFile = pidFile;
        _onEnded = onEnded;
    }

    /// <summary>
    /// Starts the watch's thread. <paramref name="onEnded"/> runs on it once the container's process has exited,
    /// unless the runtime exits while that process still runs (the runtime was killed: the container lives on).
    /// </summary>
    public static RuntimeWatch Start(string pidFile, Func<Task>? onEnded)
    {
        var watch = new RuntimeWatch(pidFile, onEnded);
        new Thread(watch.Run) { IsBackground = true, Name = "kist runtime watch" }.Start();
        return watch;
    }

    /// <summary>The container's host pid once the runtime has written it; 0 when the runtime exited first.</summary>
    public Task<int> Started => _started.Task;

    /// <summary>The runtime's exit code once it has exited; null when it could not be read (its owner reaps it then).</summary>
    public Task<int?> Exited => _exited.Task;

    /// <summary>What <c>onEnded</c> started, once the runtime has exited; a completed task when it did not run.</summary>
    public Task Ended => _ended.Task.Unwrap();

    /// <summary>
    /// Once every output given to <see cref="Copy"/> has ended (a pty's once its slave is closed too); faulted with
    /// the first error a pump threw (its output was read on and dropped, so that the container never blocks on it).
    /// </summary>
    public Task OutputsClosed => _outputsClosed.Task;

    /// <summary>
    /// Copies what the runtime writes on <paramref name="source"/> (a pipe or a pty's master, kept open by the caller
    /// until <see cref="OutputsClosed"/>) to <paramref name="pump"/> until its end. Given before <see cref="Watch"/>.
    /// </summary>
    public void Copy(SafeHandle source, OutputPump pump) => _outputs.Add(new Output((int)source.DangerousGetHandle(), pump));

    /// <summary>Hands the spawned runtime's pid to the watch.</summary>
    public void Watch(int runtimePid)
    {
        _runtimePid = runtimePid;
        _spawned.Set();
    }

    /// <summary>
    /// The spec has been sent: the runtime may write its pid file now. <paramref name="poll"/> runs on the watch's
    /// thread at each look for it, until it is found or the runtime has exited.
    /// </summary>
    public void LookForPid(Action poll) => _lookForPid = poll;

    /// <summary>Ends a watch that was never given a runtime (its spawn failed).</summary>
    public void Dispose()
    {
        if (_runtimePid == 0) _runtimePid = -1;
        _spawned.Set();
    }

    private void Run()
    {
        // The runtime is about to start: the grace period its move into the container's cgroups waits for passes now.
        var cgroupMoves = new CgroupMoveWarmup();
        cgroupMoves.KeepWarm();
        _spawned.Wait();
        int runtimePid = _runtimePid;
        if (runtimePid <= 0) return;
        int runtime = Sys.PidfdOpen(runtimePid, 0);
        int container = -1, pid = 0;
        Task ended = Task.CompletedTask;
        var outputs = new List<Output>(_outputs);
        var buffer = new byte[16384];
        Exception? pumpError = null;
        Span<Sys.PollFd> fds = stackalloc Sys.PollFd[2 + outputs.Count];
        try
        {
            // A runtime whose pidfd cannot be opened has exited and been reaped: its owner has its exit code.
            if (runtime < 0) ReportExit(runtimePid, ref runtime, ended);
            while (runtime >= 0 || outputs.Count > 0)
            {
                int count = 0, runtimeSlot = -1, containerSlot = -1;
                if (runtime >= 0) fds[runtimeSlot = count++] = new() { Fd = runtime, Events = Sys.POLLIN };
                if (container >= 0) fds[containerSlot = count++] = new() { Fd = container, Events = Sys.POLLIN };
                int firstOutput = count;
                foreach (var output in outputs) fds[count++] = new() { Fd = output.Fd, Events = Sys.POLLIN };
                int timeout = pid == 0 && runtime >= 0 ? PidFilePollMilliseconds : -1;
                if (Sys.Poll(fds, (nuint)count, timeout) < 0)
                {
                    if (Sys.Errno == Sys.EINTR) continue;
                    break;
                }
                if (pid == 0 && runtime >= 0) cgroupMoves.KeepWarm(); // until the container's process has been moved
                if (pid == 0 && runtime >= 0 && _lookForPid is { } poll)
                {
                    pid = ReadPidFile(poll);
                    if (pid > 0)
                    {
                        // A process that has ended (and been reaped by the runtime) already cannot be opened.
                        container = Sys.PidfdOpen(pid, 0);
                        _started.TrySetResult(pid);
                        if (container < 0) ended = RunEnded();
                    }
                }
                for (int i = outputs.Count - 1; i >= 0; i--)
                {
                    if (fds[firstOutput + i].Returned != 0 && !CopyOnce(outputs[i], buffer, ref pumpError)) outputs.RemoveAt(i);
                }
                if (containerSlot >= 0 && fds[containerSlot].Returned != 0)
                {
                    Sys.Close(container);
                    container = -1;
                    ended = RunEnded();
                }
                if (runtimeSlot >= 0 && fds[runtimeSlot].Returned != 0)
                {
                    // The container that outlives its runtime (the runtime was killed) is not watched: only its output.
                    if (container >= 0) Sys.Close(container);
                    container = -1;
                    ReportExit(runtimePid, ref runtime, ended);
                }
            }
        }
        finally
        {
            if (container >= 0) Sys.Close(container);
            ReportExit(runtimePid, ref runtime, ended);
            if (pumpError is null) _outputsClosed.TrySetResult();
            else _outputsClosed.TrySetException(pumpError);
        }
    }

    /// <summary>The pid in the runtime's pid file, 0 while there is none; -1 (no more looks) when looking failed.</summary>
    private int ReadPidFile(Action poll)
    {
        try
        {
            poll();
            return ContainerRunner.ReadPid(_pidFile);
        }
        catch (Exception)
        {
            // Nothing here should throw: the run still ends with the runtime's exit.
            return -1;
        }
    }

    /// <summary>Reads what is there; false at the output's end (or when it cannot be read).</summary>
    private static unsafe bool CopyOnce(Output output, byte[] buffer, ref Exception? pumpError)
    {
        nint n;
        fixed (byte* bytes = buffer) n = Libc.Read(output.Fd, bytes, buffer.Length);
        if (n < 0) return Sys.Errno is Sys.EINTR or Sys.EAGAIN; // EIO: a pty whose slaves are all closed
        if (n == 0) return false;
        if (output.Failed) return true;
        try { output.Pump.Accept(buffer.AsSpan(0, (int)n)); }
        catch (Exception e)
        {
            output.Failed = true;
            pumpError ??= e;
        }
        return true;
    }

    /// <summary>The runtime has exited (or is waited for now): its code, and what its container's end started.</summary>
    private void ReportExit(int runtimePid, ref int runtime, Task ended)
    {
        if (_exited.Task.IsCompleted) return;
        _started.TrySetResult(0);
        _exited.TrySetResult(ProcessExit.PeekExitCode(runtimePid));
        if (runtime >= 0) Sys.Close(runtime);
        runtime = -1;
        _ended.TrySetResult(ended);
    }

    private sealed class Output(int fd, OutputPump pump)
    {
        public int Fd { get; } = fd;
        public OutputPump Pump { get; } = pump;
        /// <summary>The pump threw: what comes is read and dropped.</summary>
        public bool Failed { get; set; }
    }

    private Task RunEnded()
    {
        if (_onEnded is null) return Task.CompletedTask;
        try { return _onEnded(); }
        catch (Exception e) { return Task.FromException(e); }
    }
}
