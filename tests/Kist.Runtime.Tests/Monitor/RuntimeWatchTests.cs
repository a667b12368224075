using System.Diagnostics;
using Kist.Runtime.Monitor;

namespace Kist.Runtime.Tests.Monitor;

/// <summary>
/// The watch over a runtime, with a shell script as the runtime: it starts a "container" (a child), writes its pid
/// to the pid file as runc does, waits, and exits with a code.
/// </summary>
public sealed class RuntimeWatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kist-watch-").FullName;
    private string PidFile => Path.Combine(_dir, "pid");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Reports_the_start_then_the_end_while_the_runtime_runs_then_the_runtimes_exit_code()
    {
        var endedWhileRuntimeRan = new TaskCompletionSource<bool>();
        Process? runtime = null;
        using var watch = RuntimeWatch.Start(PidFile, () =>
        {
            endedWhileRuntimeRan.TrySetResult(!runtime!.HasExited);
            return Task.CompletedTask;
        });
        runtime = Runtime($"sleep 0.3 & echo $! > {PidFile}; wait $!; sleep 0.5; exit 5");
        watch.Watch(runtime.Id);
        watch.LookForPid(() => { });

        int pid = await watch.Started.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(pid > 0 && pid != runtime.Id);
        Assert.True(await endedWhileRuntimeRan.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(5, await ExitCode(watch, runtime));
        await watch.Ended;
    }

    [Fact]
    public async Task A_container_that_outlives_its_runtime_has_not_ended()
    {
        bool ended = false;
        using var watch = RuntimeWatch.Start(PidFile, () => { ended = true; return Task.CompletedTask; });
        using var runtime = Runtime($"sleep 30 & echo $! > {PidFile}; sleep 0.3; exit 9");
        watch.Watch(runtime.Id);
        watch.LookForPid(() => { });
        int pid = await watch.Started.WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            Assert.Equal(9, await ExitCode(watch, runtime));
            await watch.Ended;
            Assert.False(ended);
        }
        finally { Process.GetProcessById(pid).Kill(); }
    }

    [Fact]
    public async Task A_runtime_that_exits_before_writing_a_pid_has_started_nothing()
    {
        int polls = 0;
        bool ended = false;
        using var watch = RuntimeWatch.Start(PidFile, () => { ended = true; return Task.CompletedTask; });
        using var runtime = Runtime("sleep 0.2; exit 3");
        watch.Watch(runtime.Id);
        watch.LookForPid(() => polls++);
        Assert.Equal(0, await watch.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, await ExitCode(watch, runtime));
        Assert.False(ended);
        Assert.True(polls > 0);
    }

    [Fact]
    public async Task Copies_the_runtimes_output_to_its_pumps_until_every_writer_has_closed_it()
    {
        using var watch = RuntimeWatch.Start(PidFile, null);
        var info = new ProcessStartInfo("sh", ["-c", "echo out; echo err >&2; (sleep 0.3; echo late) & exit 0"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var runtime = Process.Start(info)!;
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var stderrPump = new OutputPump("stderr", null, stderr, holdBack: true);
        watch.Copy(((System.IO.Pipes.PipeStream)runtime.StandardOutput.BaseStream).SafePipeHandle, new OutputPump("stdout", null, stdout, holdBack: false));
        watch.Copy(((System.IO.Pipes.PipeStream)runtime.StandardError.BaseStream).SafePipeHandle, stderrPump);
        watch.Watch(runtime.Id);

        Assert.Equal(0, await ExitCode(watch, runtime));
        await watch.OutputsClosed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("out\nlate\n", System.Text.Encoding.ASCII.GetString(stdout.ToArray()));
        Assert.Empty(stderr.ToArray()); // held back until released
        Assert.Equal("err\n", stderrPump.HeldText);
        stderrPump.Release();
        Assert.Equal("err\n", System.Text.Encoding.ASCII.GetString(stderr.ToArray()));
    }

    private static Process Runtime(string script) => Process.Start("sh", ["-c", script]);

    /// <summary>The watch's code, or Process's when Process reaped the runtime first.</summary>
    private static async Task<int> ExitCode(RuntimeWatch watch, Process runtime)
    {
        int? code = await watch.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        runtime.WaitForExit();
        return code ?? runtime.ExitCode;
    }
}
