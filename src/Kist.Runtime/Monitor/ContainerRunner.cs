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
        using var scratch = RuntimeScratch.Create(bundle);
        string pidFile = scratch.File("pid");
        using var watch = RuntimeWatch.Start(pidFile, io.Ended);
        using var pty = io.Pty ? PseudoTerminal.Open() : null;
        using var config = ConfigFifo.Create(bundle);
        var stdio = io.Terminal ? SpawnedStdio.Inherit : pty is not null ? SpawnedStdio.Terminal
            : io.Stdin ? SpawnedStdio.InheritInputPipeOutput : SpawnedStdio.NullInputPipeOutput;
        using var log = io.Terminal ? null : new JsonLogWriter(logFile);
        using var process = SpawnedProcess.Start(runtime.RunArguments(id, bundle, pidFile), stdio, pty?.SlavePath);
        int runtimePid = process.Id;
        // The pool's first worker (and its gate thread), for what follows, starts while the runtime does: its start,
        // which waits for the new threads, no longer delays the spawn (500 paired runs: -1.6 ms). See RuntimeWatch.
        ThreadPool.UnsafeQueueUserWorkItem(static _ => { }, null);
        // stderr carries the runtime's own error until the container exists; on a pty everything comes as stdout.
        OutputPump? stdout = null, stderr = null;
        if (pty is not null)
        {
            stderr = new OutputPump("stdout", log, io.Attach ? Console.OpenStandardOutput() : null, holdBack: true);
            watch.Copy(pty.Master, stderr);
        }
        else if (!io.Terminal)
        {
            stdout = new OutputPump("stdout", log, io.Attach ? Console.OpenStandardOutput() : null, holdBack: false);
            stderr = new OutputPump("stderr", log, io.Attach ? Console.OpenStandardError() : null, holdBack: true);
            watch.Copy(process.Output!, stdout);
            watch.Copy(process.Error!, stderr);
        }
        watch.Watch(runtimePid);
        Timings.Mark("runtime-spawned");
        using var signals = new SignalForwarder(runtimePid);
        try
        {
            await config.SendAsync(await prepare().ConfigureAwait(false), watch.Exited).ConfigureAwait(false);
        }
        catch
        {
            Sys.Kill(runtimePid, Signals.SIGKILL);
            await watch.Exited.ConfigureAwait(false);
            pty?.CloseSlave();
            await Task.WhenAny(watch.OutputsClosed).ConfigureAwait(false); // the watch reads the pipes until then
            throw;
        }
        watch.LookForPid(config.CloseIfRead);
        Timings.Mark("spec-sent");
        // The watch no longer uses the FIFO once it has the pid (or the runtime has exited).
        int pid = await watch.Started.ConfigureAwait(false);
        config.Dispose();
        if (pid > 0)
        {
            Timings.Mark("container-started");
            scratch.Dispose(); // read: a long-lived container (a -d monitor) keeps nothing in the tmpfs
            stderr?.Release();
            io.Started?.Invoke(pid);
        }
        int? exitCode = await watch.Exited.ConfigureAwait(false);
        pty?.CloseSlave();
        await watch.OutputsClosed.ConfigureAwait(false);
        if (pid <= 0 && ReadPid(pidFile) is > 0 and int late)
        {
            pid = late;
            stderr?.Release();
            io.Started?.Invoke(pid);
        }
        stdout?.Finish();
        stderr?.Finish();
        await watch.Ended.ConfigureAwait(false);
        exitCode ??= process.WaitForExit();
        if (pid <= 0)
        {
            string message = RuntimeError.Message(stderr?.HeldText ?? "");
            if (message.Length == 0) message = $"{runtime.Name} exited with code {exitCode}";
            return new RunOutcome(RuntimeError.ExitCode(message), message);
        }
        return new RunOutcome(exitCode.Value, null);
    }

    public static int ReadPid(string pidFile)
    {
        // Polled every few milliseconds while the runtime starts: a missing file must not cost an exception each time.
        if (!File.Exists(pidFile)) return 0;
        try { return int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) ? pid : 0; }
        catch (IOException) { return 0; }
    }
}
