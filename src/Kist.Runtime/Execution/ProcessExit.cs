using Kist.Runtime.Native;

namespace Kist.Runtime.Execution;

/// <summary>How a child process ended, read without taking it from the <see cref="System.Diagnostics.Process"/> that waits for it.</summary>
internal static class ProcessExit
{
    private const int P_PID = 1, WEXITED = 4, WNOWAIT = 0x01000000, CLD_EXITED = 1;

    /// <summary>
    /// The exit code of this process's child <paramref name="pid"/>, which has exited, without reaping it (the
    /// <see cref="System.Diagnostics.Process"/> that started it does); as Process reports it: 128 + the signal that
    /// killed it. Null when Process has reaped it already.
    /// </summary>
    public static unsafe int? PeekExitCode(int pid)
    {
        // siginfo_t: si_signo, si_errno, si_code, a pad, si_pid, si_uid, si_status (x86_64 and arm64 alike).
        Span<int> info = stackalloc int[32];
        int rc;
        fixed (int* buffer = info)
        {
            while ((rc = Sys.Waitid(P_PID, pid, buffer, WEXITED | WNOWAIT)) < 0 && Sys.Errno == Sys.EINTR) { }
        }
        if (rc < 0 || info[4] != pid) return null;
        return info[2] == CLD_EXITED ? info[6] : 128 + info[6];
    }
}
