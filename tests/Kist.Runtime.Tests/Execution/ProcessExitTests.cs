using System.Diagnostics;
using Kist.Runtime.Execution;
using Kist.Runtime.Native;

namespace Kist.Runtime.Tests.Execution;

/// <summary>Reading a child's exit code without reaping it, as a container's monitor reads its runtime's.</summary>
public sealed class ProcessExitTests
{
    [Theory]
    [InlineData("exit 7", 7)]
    [InlineData("kill -9 $$", 128 + 9)]
    public void Reads_an_exited_childs_code_as_Process_reports_it(string script, int expected)
    {
        // Process reaps its child on SIGCHLD, racing the read: then there is no code to read, and Process has it.
        int read = 0;
        for (int attempt = 0; attempt < 200 && read < 3; attempt++)
        {
            using var child = Process.Start("sh", ["-c", script]);
            WaitUntilExited(child.Id);
            int? code = ProcessExit.PeekExitCode(child.Id);
            child.WaitForExit();
            Assert.Equal(expected, child.ExitCode);
            if (code is null) continue;
            Assert.Equal(expected, code);
            read++;
        }
        Assert.True(read > 0, "the code was never read before Process reaped the child");
    }

    [Fact]
    public void A_process_that_is_not_a_child_has_no_code_to_read()
    {
        Assert.Null(ProcessExit.PeekExitCode(1));
    }

    /// <summary>Waits (up to 10 s) until the child has exited, without reaping it.</summary>
    internal static void WaitUntilExited(int pid)
    {
        int fd = Sys.PidfdOpen(pid, 0);
        if (fd < 0) return; // reaped already
        try
        {
            Span<Sys.PollFd> fds = [new() { Fd = fd, Events = Sys.POLLIN }];
            int ready;
            // SIGCHLD (Process reaps on it) may interrupt the poll.
            while ((ready = Sys.Poll(fds, 1, 10_000)) < 0 && Sys.Errno == Sys.EINTR) { }
            Assert.Equal(1, ready);
        }
        finally { Sys.Close(fd); }
    }
}
