using System.Diagnostics;
using Kist.Runtime.Execution;

namespace Kist.Runtime.Tests.Execution;

/// <summary>Waiting for either of two processes, as a container's monitor waits for the container or its runtime.</summary>
public sealed class ProcessExitTests
{
    [Fact]
    public async Task The_watched_process_exiting_first_returns_true()
    {
        using var watched = Sleep("0.2");
        using var other = Sleep("30");
        try
        {
            var wait = Task.Run(() => ProcessExit.WaitForEither(watched.Id, other.Id));
            Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(other.HasExited);
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public async Task The_other_process_exiting_first_returns_false_while_the_watched_one_lives_on()
    {
        using var watched = Sleep("30");
        using var other = Sleep("0.2");
        try
        {
            var wait = Task.Run(() => ProcessExit.WaitForEither(watched.Id, other.Id));
            Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False(watched.HasExited);
        }
        finally
        {
            watched.Kill();
        }
    }

    [Fact]
    public async Task A_watched_process_already_gone_counts_as_exited()
    {
        using var gone = Sleep("0");
        await gone.WaitForExitAsync(); // reaped: its pid names nothing now
        using var other = Sleep("30");
        try
        {
            Assert.True(ProcessExit.WaitForEither(gone.Id, other.Id));
        }
        finally
        {
            other.Kill();
        }
    }

    private static Process Sleep(string seconds) => Process.Start("sleep", seconds);
}
