using System.Diagnostics;
using System.Text;
using Kist.TestSupport;
using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>kist build --progress tty</c> at a real terminal (script(1) gives kist a pty): BuildKit's redrawn display with
/// cursor moves, CACHED lines on a rebuild, the final frame on success, failure and Ctrl-C; <c>auto</c> without a
/// terminal stays plain.
/// </summary>
public sealed class BuildProgressTests(BuildFixture fixture) : IClassFixture<BuildFixture>, IDisposable
{
    private readonly TestRoot _context = new("kist-build-progress");
    private string RootPath => fixture.Root.Path;

    public void Dispose() => _context.Dispose();

    private static string Tag(string what) => $"kist-progress-{what}-{Guid.NewGuid().ToString("N")[..8]}:1";

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    private void Write(string name, string content) => File.WriteAllText(_context.File(name), content);

    /// <summary>Runs kist under script(1); <paramref name="whenSeen"/> acts once the output contains its text.</summary>
    private async Task<(int ExitCode, string Output)> AtTerminalAsync(string[] args, (string Text, Func<Process, Task> Act)? whenSeen = null)
    {
        // exec: dash (script's shell when SHELL is unset) would otherwise stay in the foreground group.
        string command = "exec " + string.Join(' ', new[] { KistBinary, "--root", RootPath }.Concat(args).Select(Quote));
        var info = new ProcessStartInfo("script", ["-qfec", command, "/dev/null"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["TERM"] = "xterm";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("script is not installed");
        var output = new StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0) lock (output) output.Append(buffer, 0, n);
        });
        _ = process.StandardError.ReadToEndAsync();
        if (whenSeen is var (text, act))
        {
            for (int i = 0; i < 1200 && !Text().Contains(text, StringComparison.Ordinal) && !process.HasExited; i++) await Task.Delay(50);
            Assert.Contains(text, Text());
            await act(process);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        process.StandardInput.Close();
        await reader;
        return (process.ExitCode, Text());

        string Text()
        {
            lock (output) return output.ToString();
        }
    }

    [Fact]
    public async Task A_tty_build_redraws_its_frames_in_place_and_a_rebuild_shows_CACHED_lines()
    {
        Write("a.txt", "a\n");
        Write("Dockerfile", $"FROM {fixture.Base}\nCOPY a.txt /a.txt\nRUN echo hello-tty && sleep 0.5\n");
        string tag = Tag("tty");
        var (exit, output) = await AtTerminalAsync(["build", "--progress", "tty", "-t", tag, _context.Path]);
        Assert.True(exit == 0, output);
        Assert.Contains("[+] Building ", output);
        Assert.Matches(@"\u001b\[\d+A", output); // back to the top of the previous frame
        Assert.Contains("\u001b[2K", output);
        Assert.Contains(" => [2/3] COPY a.txt /a.txt", output);
        Assert.Contains(" => => # hello-tty", output); // the running step's output under it
        Assert.Matches(@"\[\+\] Building \d+\.\ds \(\d+/\d+\) FINISHED", output);
        Assert.Contains(" => => writing image sha256:", output);
        Assert.Contains($" => => naming to docker.io/library/{tag}", output);
        Assert.DoesNotContain("#1 ", output);

        var (again, rebuilt) = await AtTerminalAsync(["build", "--progress", "tty", "-t", tag, _context.Path]);
        Assert.True(again == 0, rebuilt);
        Assert.Contains(" => CACHED [2/3] COPY a.txt /a.txt", rebuilt);
        Assert.Contains(" => CACHED [3/3] RUN echo hello-tty && sleep 0.5", rebuilt);

        // Without a terminal, auto is BuildKit's plain output.
        var plain = (await KistAsync(RootPath, "build", "--progress", "auto", "-t", tag, _context.Path)).ShouldSucceed();
        Assert.Contains("#2 [2/3] COPY a.txt /a.txt", plain.Stderr);
        Assert.Contains("#2 CACHED", plain.Stderr);
        Assert.Contains($"naming to docker.io/library/{tag} done", plain.Stderr);
        Assert.DoesNotContain("\u001b[", plain.Stderr);
        Assert.DoesNotContain("[+] Building", plain.Stderr);
    }

    [Fact]
    public async Task A_failed_step_ends_the_display_with_its_ERROR_line_and_output_then_the_error()
    {
        Write("Dockerfile", $"FROM {fixture.Base}\nRUN echo boom-out && exit 3\n");
        var (exit, output) = await AtTerminalAsync(["build", "--progress", "tty", _context.Path]);
        Assert.Equal(1, exit);
        // What the user sees once it is over: the final frame, then the step's output and the error.
        var screen = VirtualTerminal.Screen(output);
        int final = screen.FindIndex(l => l.StartsWith("[+] Building", StringComparison.Ordinal));
        Assert.Matches(@"^\[\+\] Building \d+\.\ds \(2/2\) FINISHED$", screen[final]);
        Assert.StartsWith(" => ERROR [2/2] RUN echo boom-out && exit 3 ", screen[final + 2]);
        Assert.Equal(" => => # boom-out", screen[final + 3]);
        Assert.Equal(["------", " > [2/2] RUN echo boom-out && exit 3:", "boom-out", "------"], screen[(final + 4)..(final + 8)]);
        Assert.Contains("exit code: 3", screen[final + 8]);
    }

    [Fact]
    public async Task Ctrl_C_draws_the_final_frame_with_the_running_step_canceled()
    {
        Write("Dockerfile", $"FROM {fixture.Base}\nRUN echo started-tty && sleep 60\n");
        var (exit, output) = await AtTerminalAsync(["build", "--progress", "tty", "-t", Tag("interrupt"), _context.Path],
            ("# started-tty", async script =>
            {
                await script.StandardInput.WriteAsync('\u0003');
                await script.StandardInput.FlushAsync();
                // A SIGINT the test host's children inherit as ignored is not acted on: SIGTERM takes the same path.
                using var first = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await script.WaitForExitAsync(first.Token); }
                catch (OperationCanceledException) { foreach (var child in Children(script.Id)) Kill(child, 15); }
            }));
        Assert.True(exit is 130 or 143, $"exit code {exit}\n{output}");
        var screen = VirtualTerminal.Screen(output);
        int final = screen.FindIndex(l => l.StartsWith("[+] Building", StringComparison.Ordinal));
        Assert.Matches(@"^\[\+\] Building \d+\.\ds \(2/2\) FINISHED$", screen[final]);
        Assert.StartsWith(" => CANCELED [2/2] RUN echo started-tty && sleep 60 ", screen[final + 2]);
        Assert.DoesNotContain(screen, l => l.Contains("# started-tty", StringComparison.Ordinal)); // no tail once canceled
        await ContainerLeaks.AssertNoneAsync(RootPath);
    }

    private static IEnumerable<int> Children(int pid) =>
        File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
