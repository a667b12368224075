using Kist.Oci;
using Kist.Runtime.Bundle;
using Kist.Runtime.Diagnostics;
using Kist.Runtime.Logs;
using Kist.Runtime.Native;
using Kist.Runtime.Execution;

namespace Kist.Runtime.Monitor;

/// <summary>
/// Runs a bundle with <c>RUNTIME run</c> as a child of this process (the monitor), preparing the bundle while the
/// runtime starts, keeps its output in the json-file log, forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to it (the runtime
/// passes them to the container) and returns how it ended.
/// </summary>
public static class ContainerRunner
{
    /// <summary>
    /// Starts the runtime on <paramref name="bundle"/>, whose config.json is a FIFO until <paramref name="prepare"/>
    /// (which mounts the rootfs and builds the spec) has returned the spec: see <see cref="ConfigFifo"/>. When it
    /// throws, the runtime, still waiting for its spec, is killed.
    /// </summary>
    public static async Task<RunOutcome> RunAsync(OciRuntime runtime, string id, string bundle, Func<Task<byte[]>> prepare, string logFile, ContainerIO io)
    {
        StartHelperThreads();
        using var scratch = RuntimeScratch.Create(bundle);
        string pidFile = scratch.File("pid");
        using var pty = io.Pty ? PseudoTerminal.Open() : null;
        using var config = ConfigFifo.Create(bundle);
        bool pipes = !io.Terminal && pty is null;
        var info = runtime.Run(id, bundle, pidFile, redirectStdin: pipes && !io.Stdin, redirectOutput: pipes, terminal: pty?.SlavePath);
        using var log = io.Terminal ? null : new JsonLogWriter(logFile);
        using var process = System.Diagnostics.Process.Start(info) ?? throw new KistException($"cannot start {runtime.Binary}");
        if (info.RedirectStandardInput) process.StandardInput.Close();
        int runtimePid = process.Id;
        Timings.Mark("runtime-spawned");
        using var signals = new SignalForwarder(runtimePid);
        var exited = process.WaitForExitAsync();
        try
        {
            await config.SendAsync(await prepare().ConfigureAwait(false), exited).ConfigureAwait(false);
        }
        catch
        {
            Sys.Kill(runtimePid, Signals.SIGKILL);
            await exited.ConfigureAwait(false);
            throw;
        }
        Timings.Mark("spec-sent");
        // stderr carries the runtime's own error until the container exists; on a pty everything comes as stdout.
        OutputPump? stdout = null, stderr = null;
        var pumps = new List<Task>();
        if (pty is not null)
        {
            stderr = new OutputPump(new FileStream(pty.Master, FileAccess.Read, 1), "stdout", log, io.Attach ? Console.OpenStandardOutput() : null, holdBack: true);
            pumps.Add(Task.Run(stderr.RunAsync));
        }
        else if (!io.Terminal)
        {
            stdout = new OutputPump(process.StandardOutput.BaseStream, "stdout", log, io.Attach ? Console.OpenStandardOutput() : null, holdBack: false);
            stderr = new OutputPump(process.StandardError.BaseStream, "stderr", log, io.Attach ? Console.OpenStandardError() : null, holdBack: true);
            pumps.Add(Task.Run(stdout.RunAsync));
            pumps.Add(Task.Run(stderr.RunAsync));
        }
        int pid = await WatchPidFileAsync(pidFile, exited, config.CloseIfRead).ConfigureAwait(false);
        config.Dispose();
        if (pid > 0)
        {
            Timings.Mark("container-started");
            scratch.Dispose(); // read: a long-lived container (a -d monitor) keeps nothing in the tmpfs
            stderr?.Release();
        }
        // The watch first: a short-lived container has often ended by now, and its removal overlaps the runtime's
        // tear-down only from when the watch sees that.
        var ended = pid > 0 && io.Ended is { } onEnded ? WhenContainerEndsAsync(pid, runtimePid, onEnded) : Task.CompletedTask;
        if (pid > 0) io.Started?.Invoke(pid);
        await exited.ConfigureAwait(false);
        pty?.CloseSlave();
        await Task.WhenAll(pumps).ConfigureAwait(false);
        if (pid <= 0 && ReadPid(pidFile) is > 0 and int late)
        {
            pid = late;
            stderr?.Release();
            io.Started?.Invoke(pid);
        }
        stdout?.Finish();
        stderr?.Finish();
        await ended.ConfigureAwait(false);
        if (pid <= 0)
        {
            string message = RuntimeError.Message(stderr?.HeldText ?? "");
            if (message.Length == 0) message = $"{runtime.Name} exited with code {process.ExitCode}";
            return new RunOutcome(RuntimeError.ExitCode(message), message);
        }
        return new RunOutcome(process.ExitCode, null);
    }

    /// <summary>
    /// Starts the runtime's helper threads that a run needs (a thread-pool worker for the output pumps, the timer
    /// thread for the pid file's polling, the wait thread that learns of the runtime's exit) before the runtime is
    /// spawned. Each thread start spins in Thread.Yield until the new thread runs: started once runc ran, they waited
    /// for a core that runc's processes held, and the spinning took that CPU from runc. Started here, while the other
    /// core is free, the spinning fell from 1.9 to 1.1 ms per start (perf over 40 starts); most of what remains is the
    /// socket engine's thread, which the first read of the runtime's output starts.
    /// </summary>
    private static void StartHelperThreads()
    {
        ThreadPool.UnsafeQueueUserWorkItem(static _ => { }, null);
        _ = Task.Delay(1);
        using var never = new ManualResetEvent(false);
        ThreadPool.RegisterWaitForSingleObject(never, static (_, _) => { }, null, Timeout.Infinite, executeOnlyOnce: true).Unregister(null);
    }

    /// <summary>
    /// Runs <paramref name="onEnded"/> once the container's process has exited, unless the runtime exits while it still
    /// runs (the runtime was killed: the container lives on, and needs its rootfs). The wait blocks a pool thread.
    /// </summary>
    private static Task WhenContainerEndsAsync(int pid, int runtimePid, Func<Task> onEnded) =>
        Task.Run(() => ProcessExit.WaitForEither(pid, runtimePid) ? onEnded() : Task.CompletedTask);

    /// <summary>
    /// Polls for the runtime's pid file (quickly at first) until it appears or the runtime exits; <paramref name="poll"/>
    /// runs at each look.
    /// </summary>
    internal static async Task<int> WatchPidFileAsync(string pidFile, Task exited, Action? poll = null)
    {
        for (int i = 0; !exited.IsCompleted; i++)
        {
            poll?.Invoke();
            if (ReadPid(pidFile) is > 0 and int pid) return pid;
            await Task.WhenAny(exited, Task.Delay(i < 50 ? 2 : 20)).ConfigureAwait(false);
        }
        return 0;
    }

    public static int ReadPid(string pidFile)
    {
        // Polled every few milliseconds while the runtime starts: a missing file must not cost an exception each time.
        if (!File.Exists(pidFile)) return 0;
        try { return int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) ? pid : 0; }
        catch (IOException) { return 0; }
    }
}
