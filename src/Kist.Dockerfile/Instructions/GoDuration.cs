using System.Globalization;

namespace Kist.Dockerfile.Instructions;

/// <summary>Go's <c>time.ParseDuration</c>: <c>300ms</c>, <c>1.5h</c>, <c>2h45m</c>, <c>-1s</c>, <c>0</c>.</summary>
public static class GoDuration
{
    public static bool TryParse(string s, out TimeSpan result)
    {
        result = TimeSpan.Zero;
        var i = 0;
        var neg = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
        if (s[i..] == "0") return true;
        if (i >= s.Length) return false;
        decimal total = 0; // nanoseconds
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start || !decimal.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
            var us = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.') i++;
            decimal unit = s[us..i] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => -1m,
            };
            if (unit < 0) return false;
            total += n * unit;
            if (total > 9_223_372_036_854_775_807m) return false;
        }
        var ticks = (long)(total / 100m);
        result = TimeSpan.FromTicks(neg ? -ticks : ticks);
        return true;
    }
}
