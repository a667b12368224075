using Kist.Runtime.Execution;
using Kist.Runtime.Native;

namespace Kist.Runtime.Monitor;

/// <summary>
/// Watches a runtime that runs a container from a thread of its own, in one poll loop over pidfds (as conmon does):
/// it learns when the container's process exists (the runtime's pid file), when that process has ended and when the
/// runtime has exited, with its exit code. The thread starts before the runtime is spawned and waits for its pid.
/// <para>
/// It replaces a timer's polling of the pid file, the thread pool's wait thread for the runtime's exit and a pool
/// thread blocked on the container's exit: the first two were threads to start at every run (the timer's ~0.3 ms,
/// with its per-core queues' calibration), and the runtime's exit reached kist through SIGCHLD's thread, the wait
/// thread and a pool thread, ~1 ms after it happened.
/// </para>
/// </summary>
internal sealed class RuntimeWatch : IDisposable
{
    /// <summary>How often the pid file is looked for while the container starts.</summary>
    private const int PidFilePollMilliseconds = 1;

    private readonly string _pidFile;
    private readonly Func<Task>? _onEnded;
    private readonly ManualResetEventSlim _spawned = new();
    private readonly TaskCompletionSource<int> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int?> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Task> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
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

    /// <summary>The runtime's exit code once it has exited; null when .NET's <c>Process</c> had reaped it already.</summary>
    public Task<int?> Exited => _exited.Task;

    /// <summary>What <c>onEnded</c> started, once the runtime has exited; a completed task when it did not run.</summary>
    public Task Ended => _ended.Task.Unwrap();

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
        _spawned.Wait();
        int runtimePid = _runtimePid;
        if (runtimePid <= 0) return;
        int runtime = Sys.PidfdOpen(runtimePid, 0);
        int container = -1, pid = 0;
        Task ended = Task.CompletedTask;
        try
        {
            // A runtime gone before its pidfd was opened has been reaped by Process already: only its exit code is left.
            while (runtime >= 0)
            {
                Span<Sys.PollFd> fds = [new() { Fd = runtime, Events = Sys.POLLIN }, new() { Fd = container, Events = Sys.POLLIN }];
                int timeout = pid == 0 ? PidFilePollMilliseconds : -1;
                if (Sys.Poll(fds, container >= 0 ? 2u : 1u, timeout) < 0 && Sys.Errno != Sys.EINTR) break;
                if (pid == 0 && _lookForPid is { } poll)
                {
                    poll();
                    pid = ContainerRunner.ReadPid(_pidFile);
                    if (pid > 0)
                    {
                        // A process that has ended (and been reaped by the runtime) already cannot be opened.
                        container = Sys.PidfdOpen(pid, 0);
                        _started.TrySetResult(pid);
                        if (container < 0) ended = RunEnded();
                    }
                }
                if (container >= 0 && fds[1].Returned != 0)
                {
                    Sys.Close(container);
                    container = -1;
                    ended = RunEnded();
                }
                if (fds[0].Returned != 0) break;
            }
        }
        catch (Exception)
        {
            // A look for the pid file failed (nothing here should): the run still ends with the runtime's exit.
            Span<Sys.PollFd> fds = [new() { Fd = runtime, Events = Sys.POLLIN }];
            while (Sys.Poll(fds, 1, -1) < 0 && Sys.Errno == Sys.EINTR) { }
        }
        finally
        {
            if (container >= 0) Sys.Close(container);
            _started.TrySetResult(0);
            _exited.TrySetResult(ProcessExit.PeekExitCode(runtimePid));
            if (runtime >= 0) Sys.Close(runtime);
            _ended.TrySetResult(ended);
        }
    }

    private Task RunEnded()
    {
        if (_onEnded is null) return Task.CompletedTask;
        try { return _onEnded(); }
        catch (Exception e) { return Task.FromException(e); }
    }
}
