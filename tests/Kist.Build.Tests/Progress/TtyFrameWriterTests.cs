using Kist.Build.Progress;
using Kist.TestSupport;

namespace Kist.Build.Tests.Progress;

public sealed class TtyFrameWriterTests
{
    private const string Hide = "\u001b[?25l\u001b[?7l", Show = "\u001b[?7h\u001b[?25h", Erase = "\u001b[2K";

    [Fact]
    public void Frames_are_redrawn_in_place_writing_only_changed_lines()
    {
        var output = new StringWriter();
        var writer = new TtyFrameWriter(output, color: false);
        writer.Write([new("header 1"), new("a"), new("b")]);
        Assert.Equal($"{Hide}\r{Erase}header 1\n{Erase}a\n{Erase}b\n{Show}", output.ToString());

        output.GetStringBuilder().Clear();
        writer.Write([new("header 2"), new("a"), new("b"), new("c")]);
        Assert.Equal($"{Hide}\u001b[3A\r{Erase}header 2\n\n\n{Erase}c\n{Show}", output.ToString());

        // A shorter frame erases what is left below it.
        output.GetStringBuilder().Clear();
        writer.Write([new("header 2"), new("c")]);
        Assert.Equal($"{Hide}\u001b[4A\r\n{Erase}c\n\u001b[J{Show}", output.ToString());
    }

    [Fact]
    public void After_any_sequence_of_frames_the_screen_shows_the_last_one()
    {
        var output = new StringWriter();
        var writer = new TtyFrameWriter(output, color: true);
        var random = new Random(7);
        List<TtyLine> frame = [];
        for (int i = 0; i < 200; i++)
        {
            frame = [.. Enumerable.Range(0, random.Next(1, 12)).Select(n => new TtyLine($"line {n} {random.Next(3)}", (TtyStyle)random.Next(5)))];
            writer.Write(frame);
        }
        Assert.Equal(frame.Select(l => l.Text), VirtualTerminal.Screen(output.ToString()));
    }

    [Fact]
    public void Styles_become_colours_unless_disabled()
    {
        var output = new StringWriter();
        new TtyFrameWriter(output, color: true).Write([new("done", TtyStyle.Finished), new("out", TtyStyle.Output), new("plain")]);
        Assert.Contains("\u001b[34mdone\u001b[0m", output.ToString());
        Assert.Contains("\u001b[2mout\u001b[0m", output.ToString());
        Assert.Contains(Erase + "plain\n", output.ToString());
    }
}
