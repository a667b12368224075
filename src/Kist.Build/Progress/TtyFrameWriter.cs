using System.Text;

namespace Kist.Build.Progress;

/// <summary>
/// Draws frames in place: moves the cursor back to the previous frame's top, rewrites only the lines that changed
/// (erasing each first), and erases what is left below a shorter frame. The cursor is hidden and line wrapping is
/// off while drawing: a line wider than the terminal (after a resize, or wide characters) is cut by the terminal
/// instead of taking a second row that would put the next frame out of place.
/// </summary>
public sealed class TtyFrameWriter(TextWriter output, bool color)
{
    private const string Escape = "\u001b[";
    private IReadOnlyList<TtyLine> _previous = [];

    public void Write(IReadOnlyList<TtyLine> lines)
    {
        var text = new StringBuilder(Escape + "?25l" + Escape + "?7l");
        if (_previous.Count > 0) text.Append(Escape).Append(_previous.Count).Append('A');
        text.Append('\r');
        for (int i = 0; i < lines.Count; i++)
        {
            if (i < _previous.Count && _previous[i] == lines[i])
            {
                text.Append('\n');
                continue;
            }
            text.Append(Escape).Append("2K");
            string? code = color ? Color(lines[i].Style) : null;
            if (code is not null) text.Append(Escape).Append(code).Append('m').Append(lines[i].Text).Append(Escape).Append("0m");
            else text.Append(lines[i].Text);
            text.Append('\n');
        }
        if (lines.Count < _previous.Count) text.Append(Escape).Append('J');
        text.Append(Escape).Append("?7h").Append(Escape).Append("?25h");
        output.Write(text.ToString());
        output.Flush();
        _previous = [.. lines];
    }

    private static string? Color(TtyStyle style) => style switch
    {
        TtyStyle.Finished => "34",
        TtyStyle.Failed => "31",
        TtyStyle.Canceled => "33",
        TtyStyle.Output => "2",
        _ => null,
    };
}
