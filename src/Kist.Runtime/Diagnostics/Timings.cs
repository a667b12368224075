using System.Diagnostics;

namespace Kist.Runtime.Diagnostics;

/// <summary>
/// Where a container start spends its time: with <c>KIST_TIMINGS=1</c>, each phase's milliseconds since the previous
/// mark go to standard error, with the wall clock (Unix microseconds) at the mark so that the time before the first
/// mark can be taken from the caller's clock, for bench/run.sh; otherwise a no-op.
/// </summary>
public static class Timings
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("KIST_TIMINGS") == "1";
    private static long _last;

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        long now = Stopwatch.GetTimestamp();
        long wallMicroseconds = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
        double sinceLast = _last == 0 ? 0 : Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds;
        Console.Error.WriteLine($"kist-timing {phase} {sinceLast:F2} ms at {wallMicroseconds}");
        _last = Stopwatch.GetTimestamp();
    }
}
