using System.Diagnostics;
using System.Globalization;

namespace Kist.Build.Progress;

/// <summary>
/// BuildKit's <c>--progress=plain</c>: numbered steps (<c>#5 [2/3] RUN make</c>), their output lines with the seconds
/// since the step started, then <c>#5 DONE 0.4s</c>, <c>#5 CACHED</c> or <c>#5 ERROR: …</c>. Steps of parallel stages
/// interleave, each line carrying its number.
/// </summary>
public sealed class PlainProgress(TextWriter output) : IBuildProgress
{
    private readonly Lock _lock = new();
    private int _next;

    public IStepProgress Start(string name)
    {
        lock (_lock)
        {
            int n = ++_next;
            output.WriteLine($"#{n} {name}");
            output.Flush();
            return new Step(this, n);
        }
    }

    private void Write(string line, bool blank = false)
    {
        lock (_lock)
        {
            output.WriteLine(line);
            if (blank) output.WriteLine();
            output.Flush();
        }
    }

    private sealed class Step(PlainProgress owner, int number) : IStepProgress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        private string Seconds => _clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

        public void Cached() => owner.Write($"#{number} CACHED", blank: true);

        public void Log(string line) =>
            owner.Write($"#{number} {_clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} {line}");

        public void Done() => owner.Write($"#{number} DONE {Seconds}s", blank: true);

        public void Error(string message) => owner.Write($"#{number} ERROR: {message}", blank: true);
    }
}
