using System.Globalization;

namespace Kist.Build.Progress;

/// <summary>
/// BuildKit's tty display as a pure function: <c>[+] Building 12.3s (5/9)</c>, then one line per started step in start
/// order (<c> => CACHED [stage 1/4] COPY …   0.0s</c>, the time right-aligned), its finished parts as <c> => => …</c> lines,
/// and the output tail of running (and failed) steps as <c> => => # …</c> lines. Every line is clipped to leave the
/// terminal's last column empty. A live frame keeps below the terminal's height (so that the writer can move back to its
/// top): running steps stay, the oldest finished ones leave it; the final frame lists every step.
/// </summary>
public static class TtyFrame
{
    public const int TailLines = 6;
    private const string Prefix = " => ";
    private const string SubPrefix = " => => ";
    private const string OutputPrefix = " => => # ";

    public static IReadOnlyList<TtyLine> Render(IReadOnlyList<StepSnapshot> steps, TimeSpan now, int width, int height, bool final)
    {
        width = Math.Max(width, 2);
        int completed = steps.Count(s => s.State != StepState.Running);
        string finished = final && steps.Count > 0 && completed == steps.Count ? " FINISHED" : "";
        var lines = new List<TtyLine> { new(Clip($"[+] Building {Format(now)}s ({completed}/{steps.Count}){finished}", width)) };

        var units = steps.Select(s => new Unit(s, StepLines(s, now, width))).ToList();
        if (final)
        {
            foreach (var unit in units)
            {
                lines.AddRange(unit.Lines);
                if (unit.Step.State == StepState.Failed) lines.AddRange(Tail(unit.Step, width));
            }
            return lines;
        }

        // Below the header, one row is kept free for the cursor that ends the frame.
        int limit = Math.Max(height - 2, 1);
        bool IsLive(Unit u) => u.Step.State == StepState.Running || (u.Step.State == StepState.Failed && u.Step.Tail.Count > 0);
        int free = limit - units.Where(IsLive).Sum(u => u.Lines.Count);
        // Output tails share the room left, a line each in turn (a failed step's first, then the running ones in start
        // order), so that a frame does not jump as tails grow: each shows its latest lines.
        var candidates = units.Where(u => u.Step.Tail.Count > 0 && IsLive(u)).OrderBy(u => u.Step.State == StepState.Failed ? 0 : 1).ToList();
        var shown = candidates.ToDictionary(u => u, _ => 0);
        for (bool grew = true; grew && free > 0;)
        {
            grew = false;
            foreach (var unit in candidates)
            {
                if (free == 0 || shown[unit] >= Math.Min(unit.Step.Tail.Count, TailLines)) continue;
                shown[unit]++;
                free--;
                grew = true;
            }
        }
        foreach (var unit in candidates) unit.Tail = [.. Tail(unit.Step, width).TakeLast(shown[unit])];

        // Finished steps fill what is left from the most recent backwards; older ones leave the live frame.
        var kept = new HashSet<Unit>(units.Where(IsLive));
        for (int i = units.Count - 1; i >= 0; i--)
        {
            var unit = units[i];
            if (kept.Contains(unit)) continue;
            if (unit.Lines.Count > free) break;
            kept.Add(unit);
            free -= unit.Lines.Count;
        }
        var body = units.Where(kept.Contains).SelectMany(u => u.Lines.Concat(u.Tail)).ToList();
        // Even the running steps alone may not fit: the latest lines stay.
        lines.AddRange(body.Count > limit ? body.Skip(body.Count - limit) : body);
        return lines;
    }

    /// <summary>Seconds as BuildKit prints them (<c>%.1f</c>): <c>0.1</c>, <c>12.3</c>.</summary>
    public static string Format(TimeSpan elapsed) =>
        Math.Max(elapsed.TotalSeconds, 0).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>A step's or status's time: under 0.05 s it is 0.0s, as BuildKit rounds it.</summary>
    public static string Timer(TimeSpan elapsed) => (elapsed.TotalSeconds < 0.05 ? "0.0" : Format(elapsed)) + "s";

    private static List<TtyLine> StepLines(StepSnapshot step, TimeSpan now, int width)
    {
        string state = step.State switch
        {
            StepState.Cached => "CACHED ",
            StepState.Failed => "ERROR ",
            StepState.Canceled => "CANCELED ",
            _ => "",
        };
        var style = step.State switch
        {
            StepState.Running => TtyStyle.Normal,
            StepState.Failed => TtyStyle.Failed,
            StepState.Canceled => TtyStyle.Canceled,
            _ => TtyStyle.Finished,
        };
        var lines = new List<TtyLine> { new(Aligned(Prefix + state + step.Name, Timer((step.Completed ?? now) - step.Started), width), style) };
        foreach (var status in step.Statuses)
            lines.Add(new TtyLine(Aligned(SubPrefix + status.Name, Timer(status.Completed - status.Started), width), TtyStyle.Finished));
        return lines;
    }

    private static List<TtyLine> Tail(StepSnapshot step, int width) =>
        [.. step.Tail.TakeLast(TailLines).Select(line => new TtyLine(Clip(OutputPrefix + line, width), TtyStyle.Output))];

    /// <summary>The text clipped and padded so that the timer ends one column before the terminal's edge.</summary>
    private static string Aligned(string text, string timer, int width)
    {
        int room = width - 1 - timer.Length - 2; // at least two spaces before the timer
        if (room < Prefix.Length + 1) return Clip(text, width);
        if (text.Length > room) text = text[..room];
        return text.PadRight(width - 1 - timer.Length) + timer;
    }

    private static string Clip(string text, int width) => text.Length > width - 1 ? text[..(width - 1)] : text;

    private sealed class Unit(StepSnapshot step, List<TtyLine> lines)
    {
        public StepSnapshot Step { get; } = step;
        public List<TtyLine> Lines { get; } = lines;
        public List<TtyLine> Tail { get; set; } = [];
    }
}
