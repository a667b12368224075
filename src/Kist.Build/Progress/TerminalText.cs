using System.Text;

namespace Kist.Build.Progress;

/// <summary>
/// A step's output line made safe to draw inside a frame: what a carriage return overwrote is dropped (progress bars),
/// escape sequences and control characters removed, tabs expanded to the next multiple of 8 columns.
/// </summary>
public static class TerminalText
{
    public static string Printable(string line)
    {
        string trimmed = line.TrimEnd('\r');
        int cr = trimmed.LastIndexOf('\r');
        if (cr >= 0) trimmed = trimmed[(cr + 1)..];
        var text = new StringBuilder(trimmed.Length);
        for (int i = 0; i < trimmed.Length; i++)
        {
            char c = trimmed[i];
            if (c == '\u001b')
            {
                i = SkipEscape(trimmed, i);
                continue;
            }
            if (c == '\t') text.Append(' ', 8 - text.Length % 8);
            else if (!char.IsControl(c)) text.Append(c);
        }
        return text.ToString();
    }

    /// <summary>The index of the last character of the escape sequence that starts at <paramref name="start"/>.</summary>
    private static int SkipEscape(string s, int start)
    {
        if (start + 1 >= s.Length) return start;
        char kind = s[start + 1];
        if (kind == '[')
        {
            // CSI: parameters and intermediates, then one final byte in @..~.
            int i = start + 2;
            while (i < s.Length && s[i] is < '@' or > '~') i++;
            return Math.Min(i, s.Length - 1);
        }
        if (kind == ']')
        {
            // OSC: up to BEL or ST (ESC \).
            for (int i = start + 2; i < s.Length; i++)
            {
                if (s[i] == '\a') return i;
                if (s[i] == '\u001b' && i + 1 < s.Length && s[i + 1] == '\\') return i + 1;
            }
            return s.Length - 1;
        }
        return start + 1;
    }
}
