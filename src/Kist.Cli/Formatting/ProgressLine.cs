namespace Kist.Cli.Formatting;

/// <summary>One live line on a terminal (<c>Loading  120.3MB/400MB</c>), redrawn at most ten times a second.</summary>
public sealed class ProgressLine(string label, long total) : IProgress<long>, IDisposable
{
    private long _lastDraw;
    private bool _drawn;

    public void Report(long value)
    {
        long now = Environment.TickCount64;
        if (now - _lastDraw < 100) return;
        _lastDraw = now;
        _drawn = true;
        string amount = total > 0 ? $"{Units.HumanSize(value)}/{Units.HumanSize(total)}" : Units.HumanSize(value);
        Console.Out.Write($"\r{label}  {amount}\u001b[K");
        Console.Out.Flush();
    }

    public void Dispose()
    {
        if (!_drawn) return;
        _drawn = false;
        Console.Out.Write("\r\u001b[K");
        Console.Out.Flush();
    }
}
