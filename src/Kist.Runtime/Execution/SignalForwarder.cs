using System.Runtime.InteropServices;
using Kist.Runtime.Native;

namespace Kist.Runtime.Execution;

/// <summary>
/// Until disposed, SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to this process go to the runtime (which passes them to
/// the container's process) instead of ending this process. A Ctrl-C or Ctrl-\ typed at the terminal is not
/// forwarded when it reached the runtime itself (same process group, the terminal's foreground job): that would
/// deliver it twice.
/// </summary>
internal sealed class SignalForwarder : IDisposable
{
    private static readonly PosixSignal[] Forwarded = [PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];
    private readonly List<PosixSignalRegistration> _registrations = [];

    public SignalForwarder(int runtimePid)
    {
        foreach (var signal in Forwarded)
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                if (context.Signal is PosixSignal.SIGINT or PosixSignal.SIGQUIT && TerminalReachesRuntime(runtimePid)) return;
                Sys.Kill(runtimePid, Number(context.Signal));
            }));
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }

    /// <summary>
    /// True when a Ctrl-C or Ctrl-\ of the terminal reached the runtime itself: it shares this process's group and that
    /// group is the terminal's foreground job. The runtime passes the signal on.
    /// </summary>
    private static bool TerminalReachesRuntime(int runtimePid)
    {
        int group = Sys.Getpgrp();
        if (Sys.Getpgid(runtimePid) != group) return false;
        int tty = Sys.Open("/dev/tty", Sys.O_RDWR | Sys.O_CLOEXEC, 0);
        if (tty < 0) return false; // no controlling terminal: the signal was sent to this process
        try { return Sys.Tcgetpgrp(tty) == group; }
        finally { Sys.Close(tty); }
    }

    // PosixSignal's values are .NET's own (negative); the runtime needs Linux's numbers.
    private static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => Signals.SIGINT,
        PosixSignal.SIGTERM => Signals.SIGTERM,
        PosixSignal.SIGHUP => Signals.SIGHUP,
        _ => Signals.SIGQUIT,
    };
}
