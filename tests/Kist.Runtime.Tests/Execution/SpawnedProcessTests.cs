using System.Text;
using Kist.Oci;
using Kist.Runtime.Execution;
using Kist.Runtime.Native;

namespace Kist.Runtime.Tests.Execution;

/// <summary>The runtime's spawn: its stdio as asked, a clean signal state, and its exit code read as Process reports it.</summary>
public sealed class SpawnedProcessTests
{
    [Fact]
    public async Task Pipes_carry_stdout_and_stderr_and_stdin_is_empty()
    {
        using var child = SpawnedProcess.Start(["/bin/sh", "-c", "cat; echo out; echo err >&2; exit 3"], SpawnedStdio.NullInputPipeOutput);
        var output = ReadAllAsync(child.Output!);
        var error = ReadAllAsync(child.Error!);
        Assert.Equal(3, child.WaitForExit());
        Assert.Equal("out\n", await output);
        Assert.Equal("err\n", await error);
    }

    [Fact]
    public async Task The_child_has_this_process_s_environment()
    {
        using var child = SpawnedProcess.Start(["/usr/bin/env"], SpawnedStdio.NullInputPipeOutput);
        var output = ReadAllAsync(child.Output!);
        Assert.Equal(0, child.WaitForExit());
        var expected = Environment.GetEnvironmentVariables().Keys.Cast<string>().Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_child_killed_by_a_signal_exits_with_128_plus_it()
    {
        using var child = SpawnedProcess.Start(["/bin/sh", "-c", "kill -9 $$"], SpawnedStdio.NullInputPipeOutput);
        Assert.Equal(128 + 9, child.WaitForExit());
    }

    [Fact]
    public async Task The_child_starts_with_no_signal_ignored_or_blocked()
    {
        // .NET ignores SIGPIPE, and an ignored signal would stay ignored across the exec. (glibc keeps its own two
        // real-time signals, 32 and 33, out of reach: only the standard ones are looked at.)
        using var child = SpawnedProcess.Start(["/bin/grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"], SpawnedStdio.NullInputPipeOutput);
        var output = ReadAllAsync(child.Output!);
        Assert.Equal(0, child.WaitForExit());
        var masks = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(line => line.Split(':')[0], line => Convert.ToUInt64(line.Split('\t')[1], 16) & 0x7FFFFFFF);
        Assert.Equal(0ul, masks["SigBlk"]);
        Assert.Equal(0ul, masks["SigIgn"]);
    }

    [Fact]
    public async Task On_a_terminal_all_three_are_the_terminal()
    {
        using var pty = PseudoTerminal.Open();
        using var child = SpawnedProcess.Start(["/bin/sh", "-c", "tty; tty <&1; tty <&2"], SpawnedStdio.Terminal, pty.SlavePath);
        Assert.Equal(0, child.WaitForExit());
        pty.CloseSlave();
        var text = await ReadAllAsync(pty.Master, tolerateEndOfTerminal: true);
        Assert.Equal(string.Concat(Enumerable.Repeat(pty.SlavePath + "\n", 3)), text.Replace("\r\n", "\n"));
    }

    [Fact]
    public void A_program_that_cannot_be_started_is_an_error()
    {
        var error = Assert.Throws<KistException>(() => SpawnedProcess.Start(["/nonexistent/runtime", "run"], SpawnedStdio.NullInputPipeOutput));
        Assert.Contains("/nonexistent/runtime", error.Message);
    }

    [Fact]
    public void The_exit_code_can_be_read_before_it_is_reaped()
    {
        using var child = SpawnedProcess.Start(["/bin/sh", "-c", "exit 5"], SpawnedStdio.NullInputPipeOutput);
        ProcessExitTests.WaitUntilExited(child.Id);
        // Nobody else reaps it: the monitor's watch reads the code, then the spawn's owner reaps it.
        Assert.Equal(5, ProcessExit.PeekExitCode(child.Id));
        Assert.Equal(5, child.WaitForExit());
        Assert.Null(ProcessExit.PeekExitCode(child.Id));
    }

    private static async Task<string> ReadAllAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, bool tolerateEndOfTerminal = false)
    {
        await using var stream = new FileStream(handle, FileAccess.Read, 1);
        var bytes = new MemoryStream();
        try { await stream.CopyToAsync(bytes); }
        catch (IOException) when (tolerateEndOfTerminal) { } // EIO: a pty whose slaves are all closed
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
