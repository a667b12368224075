using static Kist.Cli.Tests.EndToEnd.KistProcess;

namespace Kist.Cli.Tests.EndToEnd;

/// <summary>
/// <c>-t</c> without a terminal on this side gives the container a pty anyway, as docker does: in the foreground
/// (output copied here) and under a detached monitor (output in the log), with the pty's line endings.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TerminalTests(ContainerImages images) : IClassFixture<ContainerImages>
{
    private const string Script = "tty; echo out; echo err >&2; test -t 0 && echo stdin-is-a-tty";

    [Fact]
    public async Task Foreground_run_with_t_prints_what_dockers_does()
    {
        var kist = (await KistAsync(images.Root.Path, "run", "--rm", "-t", "--network", "none", images.Plain, "sh", "-c", Script)).ShouldSucceed();
        var docker = (await Docker.RunAsync("run", "--rm", "-t", "--network", "none", images.Plain, "sh", "-c", Script)).ShouldSucceed();
        Assert.Equal("/dev/pts/0\r\nout\r\nerr\r\nstdin-is-a-tty\r\n", docker.Stdout);
        Assert.Equal(docker.Stdout, kist.Stdout);
    }

    [Fact]
    public async Task Detached_run_with_t_logs_the_ptys_output_as_docker_does()
    {
        string name = "tty-" + Guid.NewGuid().ToString("N")[..8];
        string script = Script + "; sleep 30";
        (await KistAsync(images.Root.Path, "run", "-dt", "--network", "none", "--name", name, images.Plain, "sh", "-c", script)).ShouldSucceed();
        (await Docker.RunAsync("run", "-dt", "--network", "none", "--name", name, images.Plain, "sh", "-c", script)).ShouldSucceed();
        try
        {
            string kistLogs = "", dockerLogs = "";
            for (int i = 0; i < 50 && !(kistLogs.Contains("stdin-is-a-tty") && dockerLogs.Contains("stdin-is-a-tty")); i++)
            {
                await Task.Delay(100);
                kistLogs = (await KistAsync(images.Root.Path, "logs", name)).ShouldSucceed().Stdout;
                dockerLogs = (await Docker.RunAsync("logs", name)).ShouldSucceed().Stdout;
            }
            Assert.Equal(dockerLogs, kistLogs);
            Assert.Contains("/dev/pts/0\r\n", kistLogs);
            Assert.Contains("running", (await KistAsync(images.Root.Path, "inspect", "-f", "{{.State.Status}}", name)).Stdout);
        }
        finally
        {
            (await KistAsync(images.Root.Path, "rm", "-f", name)).ShouldSucceed();
            await Docker.RunAsync("rm", "-f", name);
        }
        await ContainerLeaks.AssertNoneAsync(images.Root.Path);
    }

    [Fact]
    public async Task Interactive_tty_without_a_terminal_is_refused_as_docker_refuses_it()
    {
        string before = (await KistAsync(images.Root.Path, "ps", "-aq")).ShouldSucceed().Stdout;
        var kist = await KistWithInputAsync(images.Root.Path, new MemoryStream("x\n"u8.ToArray()), "run", "-it", images.Plain, "true");
        Assert.Equal(1, kist.ExitCode);
        Assert.Contains("the input device is not a TTY", kist.Stderr);
        Assert.Equal(before, (await KistAsync(images.Root.Path, "ps", "-aq")).ShouldSucceed().Stdout);
    }
}
