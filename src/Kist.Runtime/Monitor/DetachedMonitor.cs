using System.Diagnostics;
using Kist.Oci;
using Kist.Runtime.Lifecycle;
using Kist.Runtime.Native;
using Kist.Runtime.State;

namespace Kist.Runtime.Monitor;

/// <summary>
/// A container's monitor as its own process (like conmon): started by <c>run -d</c>/<c>start</c>, it leaves the
/// caller's session, reports one line ("started PID" or "failed CODE MESSAGE") on its standard output, then keeps the
/// container until it ends.
/// </summary>
public static class DetachedMonitor
{
    /// <summary>Starts <paramref name="command"/> (the hidden <c>kist container-monitor ID</c>) and waits for its report.</summary>
    public static async Task<RunOutcome?> LaunchAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = false };
        foreach (var arg in command.Skip(1)) info.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(info) ?? throw new KistException("cannot start the container monitor");
        process.StandardInput.Close();
        string? line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is null)
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            throw new KistException($"the container monitor exited with code {process.ExitCode} before starting the container");
        }
        if (line.StartsWith("started", StringComparison.Ordinal)) return null;
        var parts = line.Split(' ', 3);
        return new RunOutcome(parts.Length > 1 && int.TryParse(parts[1], out int code) ? code : 125, parts.Length > 2 ? parts[2] : line);
    }

    /// <summary>The monitor process's body: run the container, reporting its start to the launcher.</summary>
    public static async Task<int> RunAsync(ContainerRuntime runtime, ContainerRecord c)
    {
        Sys.Setsid();
        var stdout = Console.OpenStandardOutput();
        bool reported = false;
        void Report(string line)
        {
            if (reported) return;
            reported = true;
            try
            {
                stdout.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
                stdout.Flush();
            }
            catch (IOException) { }
            // From here on the launcher is gone: nothing of ours may write to its pipes.
            int devnull = Sys.Open("/dev/null", Sys.O_RDWR, 0);
            if (devnull >= 0)
            {
                Sys.Dup2(devnull, 0);
                Sys.Dup2(devnull, 1);
                Sys.Dup2(devnull, 2);
                Sys.Close(devnull);
            }
        }
        try
        {
            var outcome = await runtime.RunAsync(c, new ContainerIO { Pty = c.Config.Tty, Started = pid => Report($"started {pid}") }).ConfigureAwait(false);
            if (outcome.Failed) Report($"failed {outcome.ExitCode} {outcome.Error}");
            else Report("started 0");
            return outcome.ExitCode;
        }
        catch (Exception e)
        {
            Report($"failed 125 {e.Message.ReplaceLineEndings(" ")}");
            return 125;
        }
    }
}
