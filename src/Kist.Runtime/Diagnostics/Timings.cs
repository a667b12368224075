using System.Diagnostics;

namespace Kist.Runtime.Diagnostics;

/// <summary>
/// Where a container start spends its time: with <c>KIST_TIMINGS=1</c>, each phase's milliseconds since the previous
/// mark (and since the process started) go to standard error, for bench/run.sh; otherwise a no-op.
/// </summary>
public static class Timings
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("KIST_TIMINGS") == "1";
    private static long _last;
    private static double _sinceStartAtFirstMark;

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        long now = Stopwatch.GetTimestamp();
        if (_last == 0)
        {
            _sinceStartAtFirstMark = (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds;
            Console.Error.WriteLine($"kist-timing {phase} {_sinceStartAtFirstMark:F2} ms (process start to here)");
            _last = now;
            return;
        }
        Console.Error.WriteLine($"kist-timing {phase} {Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds:F2} ms");
        _last = now;
    }
}
