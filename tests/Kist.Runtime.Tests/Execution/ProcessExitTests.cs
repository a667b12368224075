using System.Diagnostics;
using Kist.Runtime.Execution;

namespace Kist.Runtime.Tests.Execution;

/// <summary>Waiting for either of two processes, as a container's monitor waits for the container or its runtime.</summary>
public sealed class ProcessExitTests
{
    [Theory]
    [InlineData("0.2", "30", true)]
    [InlineData("30", "0.2", false)]
    public async Task Returns_whether_the_watched_process_exited_first(string watchedSeconds, string otherSeconds, bool watchedFirst)
    {
        using var watched = Sleep(watchedSeconds);
        using var other = Sleep(otherSeconds);
        try
        {
            var wait = Task.Run(() => ProcessExit.WaitForEither(watched.Id, other.Id));
            Assert.Equal(watchedFirst, await wait.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.False((watchedFirst ? other : watched).HasExited); // the wait ended at the first exit
        }
        finally
        {
            foreach (var process in new[] { watched, other }) if (!process.HasExited) process.Kill();
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
