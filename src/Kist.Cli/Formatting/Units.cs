using System.Globalization;

namespace Kist.Cli.Formatting;

/// <summary>Sizes and durations written as docker writes them (go-units).</summary>
public static class Units
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary>Decimal units with three significant digits: <c>4.26MB</c>, <c>0B</c>.</summary>
    public static string HumanSize(double size)
    {
        int unit = 0;
        while (size >= 1000 && unit < DecimalUnits.Length - 1)
        {
            size /= 1000;
            unit++;
        }
        return size.ToString("G3", CultureInfo.InvariantCulture).Replace('E', 'e') + DecimalUnits[unit]; // Go writes 1e+03
    }

    /// <summary><c>2 hours</c>, <c>About a minute</c>, <c>3 weeks</c>: go-units HumanDuration.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        double seconds = d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if ((int)seconds == 1) return "1 second";
        if (seconds < 60) return $"{(int)seconds} seconds";
        int minutes = (int)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        int hours = (int)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(int)(d.TotalHours / 24 / 365)} years";
    }

    public static string Ago(DateTimeOffset? time) =>
        time is null || time.Value == DateTimeOffset.MinValue ? "N/A" : HumanDuration(DateTimeOffset.UtcNow - time.Value) + " ago";

    /// <summary>Docker's <c>CreatedAt</c>: <c>2024-01-02 03:04:05 +0000 UTC</c>.</summary>
    public static string CreatedAt(DateTimeOffset? time) =>
        (time ?? DateTimeOffset.MinValue).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss '+0000 UTC'", CultureInfo.InvariantCulture);

    /// <summary>Cuts a string to <paramref name="max"/> characters with an ellipsis, as docker's <c>Ellipsis</c>.</summary>
    public static string Ellipsis(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
