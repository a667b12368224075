using System.Diagnostics;
using Kist.Engine.Distribution;

namespace Kist.Cli.Formatting;

/// <summary>
/// Draws a pull or push as docker does: on a terminal one live line per layer (state, bar, bytes, rate),
/// redrawn in place; otherwise one plain line per state change and none for byte counts.
/// </summary>
public sealed class TransferDisplay(TextWriter output, bool live) : ITransferObserver, IDisposable
{
    private const int BarWidth = 50;
    private readonly object _gate = new();
    private readonly List<Line> _lines = [];
    private readonly Dictionary<string, Line> _layers = new(StringComparer.Ordinal);
    private int _drawnLines;
    private long _lastDraw;

    public static TransferDisplay ForConsole() => new(Console.Out, !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb");

    public void Message(string line)
    {
        lock (_gate)
        {
            if (live) _lines.Add(new Line(null) { Text = line });
            else output.WriteLine(line);
            Draw(force: true);
        }
    }

    public void Layer(string id, TransferState state, long current = 0, long total = 0, string? detail = null)
    {
        lock (_gate)
        {
            if (!_layers.TryGetValue(id, out var line))
            {
                _layers[id] = line = new Line(id);
                _lines.Add(line);
            }
            bool changed = line.State != state;
            if (changed && state is TransferState.Downloading or TransferState.Pushing) line.Started = Stopwatch.GetTimestamp();
            line.State = state;
            line.Current = current;
            line.Total = total;
            line.Detail = detail;
            if (!live)
            {
                if (changed && state is not (TransferState.Downloading or TransferState.Pushing)) output.WriteLine(Format(line));
                return;
            }
            Draw(force: changed && state is not (TransferState.Downloading or TransferState.Pushing));
        }
    }

    private void Draw(bool force)
    {
        if (!live) return;
        long now = Environment.TickCount64;
        if (!force && now - _lastDraw < 100) return;
        _lastDraw = now;
        var text = new System.Text.StringBuilder();
        if (_drawnLines > 0) text.Append($"\u001b[{_drawnLines}A");
        foreach (var line in _lines) text.Append('\r').Append(line.Id is null ? line.Text : Format(line)).Append("\u001b[K\n");
        _drawnLines = _lines.Count;
        output.Write(text.ToString());
        output.Flush();
    }

    private static string Format(Line line)
    {
        string status = line.State switch
        {
            TransferState.Waiting => "Waiting",
            TransferState.PullingFsLayer => "Pulling fs layer",
            TransferState.Downloading => "Downloading",
            TransferState.VerifyingChecksum => "Verifying Checksum",
            TransferState.DownloadComplete => "Download complete",
            TransferState.PullComplete => "Pull complete",
            TransferState.AlreadyExists => "Already exists",
            TransferState.Preparing => "Preparing",
            TransferState.Pushing => "Pushing",
            TransferState.Pushed => "Pushed",
            TransferState.LayerAlreadyExists => "Layer already exists",
            TransferState.MountedFrom => "Mounted from " + line.Detail,
            TransferState.Retrying => "Retrying",
            _ => line.State.ToString(),
        };
        return $"{line.Id}: {status} {(line.State is TransferState.Downloading or TransferState.Pushing ? Progress(line) : "")}";
    }

    private static string Progress(Line line)
    {
        string bar = "";
        if (line.Total > 0)
        {
            int filled = (int)Math.Min(BarWidth, line.Current * BarWidth / line.Total);
            bar = "[" + new string('=', Math.Max(0, filled - 1)) + (filled > 0 ? ">" : "") + new string(' ', BarWidth - filled) + "] ";
        }
        double seconds = Stopwatch.GetElapsedTime(line.Started).TotalSeconds;
        string rate = seconds > 0.2 ? $"  {Units.HumanSize(line.Current / seconds)}/s" : "";
        string amount = line.Total > 0 ? $"{Units.HumanSize(line.Current)}/{Units.HumanSize(line.Total)}" : Units.HumanSize(line.Current);
        return bar + amount.PadLeft(15) + rate;
    }

    public void Dispose()
    {
        lock (_gate) Draw(force: true);
    }

    private sealed class Line(string? id)
    {
        public string? Id { get; } = id;
        public string? Text { get; init; }
        public TransferState State { get; set; } = (TransferState)(-1);
        public long Current { get; set; }
        public long Total { get; set; }
        public string? Detail { get; set; }
        public long Started { get; set; } = Stopwatch.GetTimestamp();
    }
}
