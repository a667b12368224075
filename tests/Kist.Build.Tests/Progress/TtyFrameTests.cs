using Kist.Build.Progress;

namespace Kist.Build.Tests.Progress;

public sealed class TtyFrameTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static StepSnapshot Running(string name, double started, params string[] tail) => new(name, S(started)) { Tail = tail };

    private static StepSnapshot Finished(string name, double started, double completed, StepState state = StepState.Done) =>
        new(name, S(started)) { State = state, Completed = S(completed) };

    private static List<string> Texts(IEnumerable<TtyLine> lines) => [.. lines.Select(l => l.Text)];

    [Fact]
    public void The_header_counts_finished_steps_of_all_started_ones()
    {
        var steps = new[]
        {
            Finished("[1/3] FROM base", 0, 0.01), Finished("[2/3] COPY a /a", 0.1, 0.1, StepState.Cached), Running("[3/3] RUN make", 0.2),
        };
        var frame = TtyFrame.Render(steps, S(12.34), 80, 30, final: false);
        Assert.Equal("[+] Building 12.3s (2/3)", frame[0].Text);
        Assert.Equal(4, frame.Count);
    }

    [Fact]
    public void The_final_frame_says_FINISHED_when_every_step_ended()
    {
        var steps = new[] { Finished("[1/2] FROM base", 0, 0.3), Finished("[2/2] RUN make", 0.3, 1.5) };
        Assert.Equal("[+] Building 1.6s (2/2) FINISHED", TtyFrame.Render(steps, S(1.6), 80, 30, final: true)[0].Text);
        Assert.Equal("[+] Building 1.6s (2/2)", TtyFrame.Render(steps, S(1.6), 80, 30, final: false)[0].Text);
        Assert.Equal("[+] Building 0.0s (0/0)", TtyFrame.Render([], TimeSpan.Zero, 80, 30, final: true)[0].Text);
    }

    [Theory]
    [InlineData(0.0, "0.0s")]
    [InlineData(0.049, "0.0s")]
    [InlineData(0.06, "0.1s")]
    [InlineData(0.84, "0.8s")]
    [InlineData(12.34, "12.3s")]
    [InlineData(125.06, "125.1s")]
    public void Times_are_formatted_as_BuildKit_does(double seconds, string expected) => Assert.Equal(expected, TtyFrame.Timer(S(seconds)));

    [Fact]
    public void Step_lines_have_the_time_right_aligned_one_column_before_the_edge()
    {
        var frame = TtyFrame.Render([Finished("[2/4] RUN make", 1, 1.8), Running("[3/4] RUN make test", 1.8)], S(3.0), 60, 30, final: false);
        Assert.Equal(" => [2/4] RUN make".PadRight(55) + "0.8s", frame[1].Text);
        Assert.Equal(TtyStyle.Finished, frame[1].Style);
        Assert.Equal(" => [3/4] RUN make test".PadRight(55) + "1.2s", frame[2].Text);
        Assert.Equal(TtyStyle.Normal, frame[2].Style);
        Assert.All(frame.Skip(1), l => Assert.Equal(59, l.Text.Length));
    }

    [Fact]
    public void Cache_hits_errors_and_canceled_steps_are_marked_in_their_line()
    {
        var steps = new[]
        {
            Finished("[1/3] COPY a /a", 0, 0, StepState.Cached),
            Finished("[2/3] RUN false", 0, 0.2, StepState.Failed),
            Finished("[3/3] RUN sleep 9", 0, 0.2, StepState.Canceled),
        };
        var frame = TtyFrame.Render(steps, S(1), 80, 30, final: true);
        Assert.StartsWith(" => CACHED [1/3] COPY a /a ", frame[1].Text);
        Assert.EndsWith(" 0.0s", frame[1].Text);
        Assert.StartsWith(" => ERROR [2/3] RUN false ", frame[2].Text);
        Assert.Equal(TtyStyle.Failed, frame[2].Style);
        Assert.StartsWith(" => CANCELED [3/3] RUN sleep 9 ", frame[3].Text);
        Assert.Equal(TtyStyle.Canceled, frame[3].Style);
    }

    [Fact]
    public void Long_names_and_output_are_clipped_to_the_width()
    {
        string name = "[2/2] RUN " + new string('x', 200);
        var frame = TtyFrame.Render([Running(name, 0, new string('y', 200))], S(2), 40, 30, final: false);
        Assert.Equal(" => " + name[..(39 - 4 - 2 - 4)] + "  2.0s", frame[1].Text);
        Assert.Equal(39, frame[1].Text.Length);
        Assert.Equal(" => => # " + new string('y', 30), frame[2].Text);
        Assert.Equal("[+] Buil", TtyFrame.Render([], S(1), 9, 30, final: false)[0].Text);
        Assert.All(TtyFrame.Render([Running(name, 0, "out")], S(1), 8, 30, false), l => Assert.True(l.Text.Length <= 7));
    }

    [Fact]
    public void A_running_step_shows_the_last_six_lines_of_its_output_and_collapses_when_done()
    {
        var output = Enumerable.Range(1, 9).Select(i => "line " + i).ToArray();
        var running = TtyFrame.Render([Running("[1/1] RUN build", 0, output)], S(1), 80, 30, final: false);
        Assert.Equal(["line 4", "line 5", "line 6", "line 7", "line 8", "line 9"], running.Skip(2).Select(l => l.Text[" => => # ".Length..]));
        Assert.All(running.Skip(2), l => Assert.Equal(TtyStyle.Output, l.Style));

        var done = Finished("[1/1] RUN build", 0, 1) with { Tail = output };
        Assert.Equal(2, TtyFrame.Render([done], S(1), 80, 30, final: false).Count);
        Assert.Equal(2, TtyFrame.Render([done], S(1), 80, 30, final: true).Count);
    }

    [Fact]
    public void A_failed_step_keeps_its_output_tail_in_the_final_frame()
    {
        var failed = Finished("[2/2] RUN make", 0, 1, StepState.Failed) with { Tail = ["cc: error", "make: *** [all] Error 1"] };
        var frame = Texts(TtyFrame.Render([Finished("[1/2] FROM base", 0, 0), failed], S(1), 80, 30, final: true));
        Assert.StartsWith(" => ERROR [2/2] RUN make", frame[2]);
        Assert.Equal([" => => # cc: error", " => => # make: *** [all] Error 1"], frame[3..]);
    }

    [Fact]
    public void Statuses_are_drawn_under_their_step()
    {
        var export = Finished("exporting to image", 1, 1.2) with { Statuses = [new StatusSnapshot("writing image sha256:abc", S(1.1), S(1.1))] };
        var frame = Texts(TtyFrame.Render([export], S(2), 60, 30, final: true));
        Assert.Equal(" => => writing image sha256:abc".PadRight(55) + "0.0s", frame[2]);
    }

    [Fact]
    public void A_live_frame_stays_below_the_terminal_height_keeping_running_steps()
    {
        var steps = new List<StepSnapshot> { Running("[a 1/2] RUN slow", 0, "working") };
        for (int i = 0; i < 20; i++) steps.Add(Finished($"[b {i + 1}/20] RUN step{i}", i, i + 0.5));
        var frame = Texts(TtyFrame.Render(steps, S(30), 80, 10, final: false));
        Assert.Equal(9, frame.Count); // one row is left for the cursor
        Assert.StartsWith(" => [a 1/2] RUN slow", frame[1]);
        Assert.Equal(" => => # working", frame[2]);
        Assert.Equal(1, frame.Count(l => l.StartsWith(" => => #", StringComparison.Ordinal)));
        // The most recent finished steps fill the rest, in start order; older ones left the live frame.
        Assert.Equal(Enumerable.Range(15, 6).Select(i => $" => [b {i}/20] RUN step{i - 1}"), frame[3..].Select(l => l[..l.IndexOf("  ", StringComparison.Ordinal)]));

        var final = Texts(TtyFrame.Render(steps, S(30), 80, 10, final: true));
        Assert.Equal(22, final.Count);
    }

    [Fact]
    public void On_a_short_terminal_running_steps_stay_and_their_output_shares_the_rows_left()
    {
        var steps = Enumerable.Range(1, 6).Select(i => Running($"[s{i} 1/1] RUN x", i, "a", "b", "c")).ToList();
        var frame = Texts(TtyFrame.Render(steps, S(10), 80, 10, final: false));
        Assert.Equal(9, frame.Count);
        Assert.Equal(6, frame.Count(l => l.StartsWith(" => [s", StringComparison.Ordinal)));
        // The 2 rows left go to the first two steps' latest line.
        Assert.Equal([" => [s1 1/1] RUN x", " => => # c", " => [s2 1/1] RUN x", " => => # c", " => [s3 1/1] RUN x"],
            frame[1..6].Select(l => l.Contains("  ", StringComparison.Ordinal) ? l[..l.IndexOf("  ", StringComparison.Ordinal)] : l));

        var many = Enumerable.Range(1, 12).Select(i => Running($"[s{i} 1/1] RUN x", i)).ToList();
        var crowded = Texts(TtyFrame.Render(many, S(20), 80, 10, final: false));
        Assert.Equal(9, crowded.Count);
        Assert.StartsWith(" => [s5 1/1]", crowded[1]);
    }
}
