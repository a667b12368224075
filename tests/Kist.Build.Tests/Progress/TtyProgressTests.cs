using Kist.Build.Progress;
using Kist.TestSupport;

namespace Kist.Build.Tests.Progress;

public sealed class TtyProgressTests
{
    /// <summary>A writer that fails the test if anything is written after the display was disposed.</summary>
    private sealed class Recorder : StringWriter
    {
        public volatile bool Closed;
        public int Writes;

        public override void Write(string? value)
        {
            Assert.False(Closed, "written after Dispose returned");
            Interlocked.Increment(ref Writes);
            lock (this) base.Write(value);
        }

        public string Text()
        {
            lock (this) return ToString();
        }
    }

    [Fact]
    public async Task Steps_from_several_threads_are_redrawn_until_disposed_then_the_final_frame_is_drawn()
    {
        var output = new Recorder();
        var display = new TtyProgress(output, () => (80, 24), color: false, interval: TimeSpan.FromMilliseconds(10));
        await Task.WhenAll(Enumerable.Range(1, 4).Select(i => Task.Run(async () =>
        {
            var step = display.Start($"[s{i} 1/1] RUN work");
            for (int n = 0; n < 20; n++)
            {
                step.Log($"s{i} line {n}");
                await Task.Delay(2);
            }
            if (i == 4) step.Cached();
            else step.Done();
        })));
        var running = display.Start("[t 1/1] RUN sleep");
        running.Log("still going");
        var import = display.Start("importing cache manifest from x");
        import.Log("WARNING: cache source x not used: not found");
        import.Done();
        var export = display.Start("exporting to image");
        export.Status("writing image sha256:abc");
        export.Done();
        await Task.Delay(50);
        display.Dispose();
        output.Closed = true;
        display.Dispose(); // a second Dispose draws nothing

        Assert.True(output.Writes > 2, "the display was redrawn while the steps ran");
        var screen = VirtualTerminal.Screen(output.Text());
        Assert.Equal(10, screen.Count);
        Assert.Matches(@"^\[\+\] Building \d+\.\ds \(7/7\) FINISHED$", screen[0]);
        Assert.Equal(3, screen.Count(l => l.StartsWith(" => [s", StringComparison.Ordinal) && l.EndsWith('s')));
        Assert.StartsWith(" => CACHED [s4 1/1] RUN work", screen.Single(l => l.Contains("[s4")));
        Assert.StartsWith(" => CANCELED [t 1/1] RUN sleep", screen[5]);
        Assert.StartsWith(" => importing cache manifest from x", screen[6]);
        Assert.StartsWith(" => => WARNING: cache source x not used: not found ", screen[7]);
        Assert.StartsWith(" => exporting to image", screen[8]);
        Assert.StartsWith(" => => writing image sha256:abc", screen[9]);
        Assert.All(screen, l => Assert.True(l.Length <= 79));
        await Task.Delay(50); // the redraw thread is gone: nothing more is written
    }
}
