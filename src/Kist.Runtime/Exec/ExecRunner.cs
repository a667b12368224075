using System.Diagnostics;
using System.Runtime.InteropServices;
using Kist.Oci;
using Kist.Runtime.Monitor;
using Kist.Runtime.Native;
using Kist.Runtime.Execution;

namespace Kist.Runtime.Exec;

/// <summary>
/// Runs <c>RUNTIME exec</c> for a prepared process.json as a child of this process. The command's stdout (and stdin
/// with <c>-i</c>) are this process's own; stderr is held back until the runtime has written the pid file, so that
/// the runtime's own failure ("executable file not found") becomes docker's 126/127 instead of the command's output.
/// </summary>
public static class ExecRunner
{
    public const string ProcessFileName = "process.json";

    /// <summary>Runs the process described by <paramref name="scratch"/>'s process.json; the pid file goes there too.</summary>
    public static async Task<RunOutcome> RunAsync(OciRuntime runtime, string id, RuntimeScratch scratch, ExecRequest request)
    {
        string processFile = scratch.File(ProcessFileName), pidFile = scratch.File("pid");
        CgroupMoveWarmup.Start(); // runc moves the process into the container's cgroups
        if (request.Detach) return await RunDetachedAsync(runtime, id, processFile, pidFile, scratch.File("log")).ConfigureAwait(false);
        var info = Runtime(runtime, runtime.Binary, []);
        info.ArgumentList.Add("exec");
        if (request.Tty) info.ArgumentList.Add("--tty");
        foreach (var a in new[] { "--process", processFile, "--pid-file", pidFile, id }) info.ArgumentList.Add(a);
        info.RedirectStandardInput = !request.Stdin && !request.Tty;
        info.RedirectStandardError = !request.Tty;
        using var process = System.Diagnostics.Process.Start(info) ?? throw new KistException($"cannot start {runtime.Binary}");
        if (info.RedirectStandardInput) process.StandardInput.Close();
        using var signals = new SignalForwarder(process.Id);
        OutputPump? stderr = null;
        Task pump = Task.CompletedTask;
        if (info.RedirectStandardError)
        {
            stderr = new OutputPump("stderr", null, Console.OpenStandardError(), holdBack: true);
            pump = Task.Run(() => stderr.CopyAsync(process.StandardError.BaseStream));
        }
        var exited = process.WaitForExitAsync();
        int pid = await WatchPidFileAsync(pidFile, exited).ConfigureAwait(false);
        if (pid > 0)
        {
            scratch.Dispose(); // read, and the runtime has read process.json: a long exec keeps nothing in the tmpfs
            stderr?.Release();
        }
        await exited.ConfigureAwait(false);
        await pump.ConfigureAwait(false);
        if (pid <= 0 && ContainerRunner.ReadPid(pidFile) is > 0 and int late) { pid = late; stderr?.Release(); }
        if (pid <= 0 && stderr is not null)
        {
            string message = RuntimeError.Message(stderr.HeldText);
            if (message.Length == 0) message = $"{runtime.Name} exited with code {process.ExitCode}";
            return new RunOutcome(RuntimeError.ExitCode(message), message);
        }
        return new RunOutcome(process.ExitCode, null);
    }

    /// <summary>
    /// Polls for the runtime's pid file (quickly at first) until it appears or the runtime exits.
    /// </summary>
    private static async Task<int> WatchPidFileAsync(string pidFile, Task exited)
    {
        for (int i = 0; !exited.IsCompleted; i++)
        {
            if (ContainerRunner.ReadPid(pidFile) is > 0 and int pid) return pid;
            await Task.WhenAny(exited, Task.Delay(i < 50 ? 2 : 20)).ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>
    /// <c>exec -d</c>: the runtime starts the process and returns; the process's stdio is /dev/null (through a shell
    /// redirect, as .NET cannot hand a child /dev/null) and the runtime's error, if any, comes from its log file.
    /// </summary>
    private static async Task<RunOutcome> RunDetachedAsync(OciRuntime runtime, string id, string processFile, string pidFile, string log)
    {
        var info = Runtime(runtime, "/bin/sh", ["-c", "exec \"$@\" </dev/null >/dev/null 2>&1", "sh", runtime.Binary]);
        foreach (var a in new[] { "--log", log, "exec", "--detach", "--process", processFile, "--pid-file", pidFile, id }) info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info) ?? throw new KistException($"cannot start {runtime.Binary}");
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode == 0) return new RunOutcome(0, null);
        string message = File.Exists(log) ? RuntimeError.Message(File.ReadAllText(log)) : "";
        if (message.Length == 0) message = $"{runtime.Name} exited with code {process.ExitCode}";
        return new RunOutcome(RuntimeError.ExitCode(message), message);
    }

    /// <summary><c>PROGRAM [PREFIX...] --root STATE</c>: the runtime's global flags come before the command.</summary>
    private static ProcessStartInfo Runtime(OciRuntime runtime, string program, string[] prefix)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var a in prefix) info.ArgumentList.Add(a);
        info.ArgumentList.Add("--root");
        info.ArgumentList.Add(runtime.StateRoot);
        return info;
    }
}
