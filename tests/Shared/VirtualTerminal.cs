using System.Text;
using System.Text.RegularExpressions;

namespace Kist.TestSupport;

/// <summary>
/// Replays what the tty display wrote on an unbounded screen (the scrollback included): text, CR, LF, cursor up,
/// erase line and erase below, colours ignored; the result is what a user would see.
/// </summary>
public static partial class VirtualTerminal
{
    public static List<string> Screen(string output)
    {
        var rows = new List<StringBuilder> { new() };
        int row = 0, column = 0;
        foreach (Match token in Tokens().Matches(output))
        {
            string t = token.Value;
            if (t == "\r") column = 0;
            else if (t == "\n")
            {
                row++;
                column = 0;
                if (row == rows.Count) rows.Add(new StringBuilder());
            }
            else if (t.StartsWith('\u001b'))
            {
                char command = t[^1];
                int n = int.TryParse(t[2..^1], out var value) ? value : 0;
                if (command == 'A') row = Math.Max(0, row - Math.Max(n, 1));
                else if (command == 'K' && n == 2) rows[row].Clear();
                else if (command == 'J') rows.RemoveRange(row + 1, rows.Count - row - 1);
                if (command == 'J') rows[row].Length = Math.Min(rows[row].Length, column);
            }
            else
            {
                var line = rows[row];
                if (line.Length < column) line.Append(' ', column - line.Length);
                line.Remove(column, Math.Min(t.Length, line.Length - column)).Insert(column, t);
                column += t.Length;
            }
        }
        var screen = rows.Select(r => r.ToString()).ToList();
        while (screen.Count > 0 && screen[^1].Length == 0) screen.RemoveAt(screen.Count - 1);
        return screen;
    }

    [GeneratedRegex(@"\u001b\[[?0-9;]*[A-Za-z]|\r|\n|[^\u001b\r\n]+")]
    private static partial Regex Tokens();
}
