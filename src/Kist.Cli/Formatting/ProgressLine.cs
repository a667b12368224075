namespace Kist.Cli.Formatting;

/// <summary>One live line on a terminal (<c>Loading  120.3MB/400MB</c>), redrawn at most ten times a second.</summary>
public sealed class ProgressLine(string label, long total) : IProgress<long>, IDisposable
{
    /// <summary>A progress line for reading <paramref name="path"/> (or standard input), when output is a terminal.</summary>
    public static ProgressLine? ForInput(string label, string? path, bool quiet) =>
        quiet || Console.IsOutputRedirected ? null : new ProgressLine(label, path is null ? 0 : new FileInfo(path).Length);

    /// <summary>The stream, counted into the line when there is one.</summary>
    public static Stream Track(Stream source, ProgressLine? line) => line is null ? source : new Kist.Engine.IO.ProgressReadStream(source, line);

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
