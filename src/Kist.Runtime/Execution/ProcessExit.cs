using Kist.Runtime.Native;

namespace Kist.Runtime.Execution;

/// <summary>Waits for processes that are not this process's children (a container's process is the runtime's).</summary>
internal static class ProcessExit
{
    /// <summary>
    /// Blocks until <paramref name="pid"/> or <paramref name="otherPid"/> exits; true when <paramref name="pid"/> has
    /// exited (a process already gone counts as exited: pidfd_open refuses it).
    /// </summary>
    public static bool WaitForEither(int pid, int otherPid)
    {
        int watched = Sys.PidfdOpen(pid, 0);
        if (watched < 0) return Sys.Errno == Sys.ESRCH;
        int other = Sys.PidfdOpen(otherPid, 0);
        try
        {
            if (other < 0) return false;
            Span<Sys.PollFd> fds = [new() { Fd = watched, Events = Sys.POLLIN }, new() { Fd = other, Events = Sys.POLLIN }];
            while (Sys.Poll(fds, 2, -1) < 0)
            {
                if (Sys.Errno != Sys.EINTR) return false;
            }
            return fds[0].Returned != 0;
        }
        finally
        {
            Sys.Close(watched);
            if (other >= 0) Sys.Close(other);
        }
    }
}
