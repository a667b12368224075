using Kist.Runtime.Native;

namespace Kist.Runtime.Execution;

/// <summary>How a child process ended, read as <see cref="System.Diagnostics.Process"/> reports it: its exit code, or 128 + the signal that killed it.</summary>
internal static class ProcessExit
{
    private const int P_PID = 1, WEXITED = 4, WNOHANG = 1, WNOWAIT = 0x01000000, CLD_EXITED = 1;

    /// <summary>
    /// The exit code of this process's child <paramref name="pid"/>, which has exited, without reaping it (its owner,
    /// a <see cref="SpawnedProcess"/> or a <see cref="System.Diagnostics.Process"/>, does). Null when it has been
    /// reaped already.
    /// </summary>
    public static int? PeekExitCode(int pid) => Wait(pid, WNOWAIT);

    /// <summary>Reaps the child, waiting for its exit when <paramref name="block"/>: its exit code, or null when it has not exited or was reaped already.</summary>
    public static int? Reap(int pid, bool block) => Wait(pid, block ? 0 : WNOHANG);

    private static unsafe int? Wait(int pid, int options)
    {
        // siginfo_t: si_signo, si_errno, si_code, a pad, si_pid, si_uid, si_status (x86_64 and arm64 alike).
        Span<int> info = stackalloc int[32];
        info.Clear(); // with WNOHANG and no child that has exited, waitid leaves it as it was
        int rc;
        fixed (int* buffer = info)
        {
            while ((rc = Sys.Waitid(P_PID, pid, buffer, WEXITED | options)) < 0 && Sys.Errno == Sys.EINTR) { }
        }
        if (rc < 0 || info[4] != pid) return null;
        return info[2] == CLD_EXITED ? info[6] : 128 + info[6];
    }
}
