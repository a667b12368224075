using System.Globalization;
using System.Text;

namespace Kist.Build.Execution;

/// <summary>Go's <c>%q</c> and <c>%v</c> renderings, as BuildKit writes them into the history's <c>created_by</c>.</summary>
public static class GoFormat
{
    /// <summary><c>%q</c> of a string: double quotes, Go escapes.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case < 0x20 or 0x7f: sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"); break;
                default: sb.Append(rune.ToString()); break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary><c>%q</c> of a string slice: <c>["a" "b"]</c>.</summary>
    public static string QuoteList(IEnumerable<string> items) => "[" + string.Join(' ', items.Select(Quote)) + "]";

    /// <summary><c>%v</c> of a string slice: <c>[a b]</c>.</summary>
    public static string List(IEnumerable<string> items) => "[" + string.Join(' ', items) + "]";

    /// <summary><c>%q</c> of an int: a quoted rune.</summary>
    public static string QuoteRune(int value) =>
        value is < 0x20 or 0x7f ? $"'\\x{value:x2}'" : "'" + char.ConvertFromUtf32(value) + "'";

    /// <summary>A <c>time.Duration</c>'s String(): <c>0s</c>, <c>1.5s</c>, <c>5m0s</c>, <c>1h0m0s</c>, <c>300ms</c>.</summary>
    public static string Duration(TimeSpan d)
    {
        long ns = d.Ticks * 100;
        if (ns == 0) return "0s";
        var sb = new StringBuilder();
        if (ns < 0) { sb.Append('-'); ns = -ns; }
        if (ns < 1_000_000_000)
        {
            (long unit, string name) = ns < 1_000 ? (1L, "ns") : ns < 1_000_000 ? (1_000L, "µs") : (1_000_000L, "ms");
            return sb.Append(Fraction(ns, unit)).Append(name).ToString();
        }
        long hours = ns / 3_600_000_000_000, rest = ns % 3_600_000_000_000;
        long minutes = rest / 60_000_000_000, seconds = rest % 60_000_000_000;
        if (hours > 0) sb.Append(hours).Append('h');
        if (hours > 0 || minutes > 0) sb.Append(minutes).Append('m');
        return sb.Append(Fraction(seconds, 1_000_000_000)).Append('s').ToString();
    }

    private static string Fraction(long value, long unit)
    {
        long whole = value / unit, frac = value % unit;
        if (frac == 0) return whole.ToString(CultureInfo.InvariantCulture);
        int digits = (int)Math.Log10(unit);
        return whole.ToString(CultureInfo.InvariantCulture) + "." + frac.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
